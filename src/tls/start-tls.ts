/**
 * The TLS handshake on a connected TCP socket, offering what the edge offers: a plain function
 * a leg calls. We dial the origin's IP but send the request's hostname as SNI, as the edge does
 * and as blackbox_exporter's tls prober does: the origin picks its certificate by SNI, so a
 * handshake without it would test a different certificate. It never throws and never outlives
 * `signal`; the certificate the origin sent is inspected here, against `now`, as facts.
 */
import type { Socket } from "node:net";
import { connect, type TLSSocket } from "node:tls";
import { type Stop, stopOf } from "../deadline.js";
import { monotonicMs } from "../text/monotonic-ms.js";
import { classifyHandshakeError, type HandshakeFailure } from "./classify-handshake-error.js";
import { type CertificateInspection, inspectPeerCertificate } from "./inspect-certificate.js";
import { edgeSecureContext } from "./secure-context.js";

export interface TlsOffer {
  /** SNI, or null for none (an IP-literal hostname: SNI carries DNS names only, RFC 6066 §3). */
  readonly servername: string | null;
  /** The name the certificate is checked against. */
  readonly hostname: string;
  readonly alpn: readonly string[];
  readonly extraCaPem: readonly string[];
  /** A certificate expiring within this many days is a problem of its own; default 14. */
  readonly certWarnDays?: number;
}

/** What the TCP socket carried during the handshake (the ClientHello out, whatever came back). */
export interface HandshakeBytes {
  readonly bytesWritten: number;
  readonly bytesRead: number;
}

export type TlsStart =
  | {
      readonly kind: "established";
      readonly socket: TLSSocket;
      readonly protocol: string | null;
      readonly cipher: string;
      readonly alpn: string | null;
      readonly certificate: CertificateInspection;
      readonly elapsedMs: number;
      readonly bytes: HandshakeBytes;
    }
  | {
      readonly kind: "failed";
      readonly failure: HandshakeFailure;
      readonly elapsedMs: number;
      readonly bytes: HandshakeBytes;
    }
  | { readonly kind: "stopped"; readonly stop: Stop; readonly elapsedMs: number; readonly bytes: HandshakeBytes };

export function startTls(tcp: Socket, offer: TlsOffer, signal: AbortSignal): Promise<TlsStart> {
  const started = monotonicMs();
  const elapsed = () => monotonicMs() - started;
  const bytes = (): HandshakeBytes => ({ bytesWritten: tcp.bytesWritten, bytesRead: tcp.bytesRead });
  return new Promise((resolve) => {
    const stopped = stopOf(signal);
    if (stopped !== null) {
      resolve({ kind: "stopped", stop: stopped, elapsedMs: 0, bytes: bytes() });
      return;
    }
    const socket = connect({
      socket: tcp,
      ...(offer.servername !== null ? { servername: offer.servername } : {}),
      secureContext: edgeSecureContext(offer.extraCaPem),
      ALPNProtocols: [...offer.alpn],
      // The certificate is judged from the facts (inspect-certificate.ts), so that one run reports
      // every problem; the identity check is ours too, so `authorized` means "the chain verifies".
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
    });
    const finish = (outcome: TlsStart): void => {
      signal.removeEventListener("abort", onAbort);
      socket.off("secureConnect", onSecure);
      socket.off("error", onError);
      socket.off("close", onClose);
      // Later errors belong to the exchange; until it listens they must not crash the process.
      socket.on("error", () => {});
      resolve(outcome);
    };
    const onSecure = (): void => {
      finish({
        kind: "established",
        socket,
        protocol: socket.getProtocol(),
        cipher: socket.getCipher().standardName,
        alpn: socket.alpnProtocol || null,
        certificate: inspectPeerCertificate(socket, offer.hostname, offer.extraCaPem, new Date(), offer.certWarnDays),
        elapsedMs: elapsed(),
        bytes: bytes(),
      });
    };
    const onError = (error: unknown): void => {
      socket.destroy();
      finish({ kind: "failed", failure: classifyHandshakeError(error), elapsedMs: elapsed(), bytes: bytes() });
    };
    // Normally 'error' comes first; a close without one is an EOF during the handshake.
    const onClose = (): void =>
      finish({
        kind: "failed",
        failure: classifyHandshakeError({ code: "ECONNRESET" }),
        elapsedMs: elapsed(),
        bytes: bytes(),
      });
    const onAbort = (): void => {
      socket.destroy();
      finish({ kind: "stopped", stop: stopOf(signal) ?? { kind: "cancelled" }, elapsedMs: elapsed(), bytes: bytes() });
    };
    socket.once("secureConnect", onSecure);
    socket.once("error", onError);
    socket.once("close", onClose);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
