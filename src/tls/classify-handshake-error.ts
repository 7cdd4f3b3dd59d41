/**
 * Classifies a failed TLS handshake from the client's side, by OpenSSL's error code (Node puts
 * it on `err.code` as ERR_SSL_<REASON>). Message text is matched only in PLAIN_TEXT_MESSAGES,
 * for the few cases where an OpenSSL build may hand over a reason without a code.
 */
import { errorCodes } from "../net/classify-socket-error.js";

export type HandshakeFailureKind = "not_tls" | "alert" | "no_common_protocol" | "reset" | "closed" | "other";

export interface HandshakeFailure {
  readonly kind: HandshakeFailureKind;
  /** e.g. "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE" or "ECONNRESET"; null when none. */
  readonly errorCode: string | null;
  /** OpenSSL's reason string, e.g. "sslv3 alert handshake failure", when there is one. */
  readonly reason: string | null;
  /** The alert the server sent (RFC 8446 §6 names, e.g. "handshake_failure"), for kind "alert". */
  readonly alert: string | null;
}

/** A record that is not TLS (e.g. "HTTP/1.1 400…") makes OpenSSL see a bad version or length. */
const NOT_TLS_CODES: ReadonlySet<string> = new Set([
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "ERR_SSL_PACKET_LENGTH_TOO_LONG",
  "ERR_SSL_HTTP_REQUEST",
  "ERR_SSL_RECORD_LENGTH_MISMATCH",
]);

const PLAIN_TEXT_MESSAGES: readonly RegExp[] = [/wrong version number/i, /packet length too long/i, /http request/i];

/** The client itself finds nothing in common with the server's choice. */
const NO_COMMON_PROTOCOL_CODES: ReadonlySet<string> = new Set([
  "ERR_SSL_UNSUPPORTED_PROTOCOL",
  "ERR_SSL_NO_PROTOCOLS_AVAILABLE",
  "ERR_SSL_WRONG_CIPHER_RETURNED",
  "ERR_SSL_NO_CIPHERS_AVAILABLE",
]);

/**
 * OpenSSL names most received alerts *_ALERT_<NAME>; a few TLS 1.0 extension-era ones lack "ALERT_".
 * OpenSSL 3.0 (Node 20) says SSLV3_ALERT_…, OpenSSL 3.5 (Node 22, 24) says SSL/TLS_ALERT_….
 */
const ALERT_CODE =
  /^ERR_SSL_(?:(?:SSLV3|SSL\/TLS|TLSV1|TLSV13)_ALERT_([A-Z_]+)|TLSV1_(UNRECOGNIZED_NAME|UNSUPPORTED_EXTENSION|CERTIFICATE_UNOBTAINABLE|BAD_CERTIFICATE_STATUS_RESPONSE|BAD_CERTIFICATE_HASH_VALUE))$/;

export function classifyHandshakeError(error: unknown): HandshakeFailure {
  const codes = errorCodes(error);
  const fields = (typeof error === "object" && error !== null ? error : {}) as {
    reason?: unknown;
    message?: unknown;
    errno?: unknown;
  };
  const reason = typeof fields.reason === "string" ? fields.reason : null;
  const message = typeof fields.message === "string" ? fields.message : "";
  const result = (
    kind: HandshakeFailureKind,
    errorCode: string | null,
    alert: string | null = null,
  ): HandshakeFailure => ({
    kind,
    errorCode,
    reason,
    alert,
  });

  for (const code of codes) {
    if (NOT_TLS_CODES.has(code)) return result("not_tls", code);
    const match = ALERT_CODE.exec(code);
    const alert = match?.[1] ?? match?.[2];
    if (alert) return result("alert", code, alert.toLowerCase());
    if (NO_COMMON_PROTOCOL_CODES.has(code)) return result("no_common_protocol", code);
    // A real RST carries an errno from the read(2); Node's own "socket disconnected before
    // secure TLS connection was established" reuses the code ECONNRESET without one (an EOF).
    if (code === "ECONNRESET") return result(typeof fields.errno === "number" ? "reset" : "closed", code);
    if (code === "EPIPE") return result("reset", code);
  }
  const text = `${reason ?? ""} ${message}`;
  if (PLAIN_TEXT_MESSAGES.some((pattern) => pattern.test(text))) return result("not_tls", codes[0] ?? null);
  return result("other", codes[0] ?? null);
}
