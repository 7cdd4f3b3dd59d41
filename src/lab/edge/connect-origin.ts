/**
 * The edge's connection to an origin: a fresh TCP connection per visitor request, from the
 * edge's source address, then TLS for Full and Full (strict). Failures come back as the
 * edge's classification (origin-outcomes.ts), never as exceptions.
 *
 * TLS as the edge does it (cloudflare-docs `ssl/origin-configuration/ssl-modes/`): SNI is the
 * route's hostname; Full accepts any certificate; Full (strict) wants a chain to a trusted root
 * and the hostname in the certificate, else 526. ALPN offers `http/1.1` only: the real edge
 * offers h2 too (cloudflare-docs `speed/optimization/protocol/http2-to-origin/`), and HTTP/2
 * to the origin is a separate piece of work. Versions and ciphers are the edge's published
 * list (src/tls/edge-tls-profile.ts), so a TLS 1.0-only origin still gets through.
 */
import { connect as connectTcp, isIP, type Socket } from "node:net";
import {
  connect as connectTls,
  createSecureContext,
  rootCertificates,
  type SecureContext,
  type TLSSocket,
} from "node:tls";
import { EDGE_CIPHER_STRING, EDGE_MAX_VERSION, EDGE_MIN_VERSION } from "../../tls/edge-tls-profile.js";
import { classifyConnectError, type OriginFailure } from "./origin-outcomes.js";

export interface OriginTls {
  readonly servername: string;
  /** Full (strict): the chain and the hostname must verify. */
  readonly verify: boolean;
  readonly secureContext: SecureContext;
}

export interface OriginConnectSpec {
  readonly address: string;
  readonly port: number;
  readonly tls: OriginTls | null;
  readonly sourceAddress: string | undefined;
  /** Bounds the TCP connect and the TLS handshake together. */
  readonly connectTimeoutMs: number;
  /** Every socket opened is handed here first, so that the edge's close() can end it. */
  readonly track: (socket: Socket) => void;
}

export type OriginConnectResult =
  | { readonly kind: "connected"; readonly socket: Socket | TLSSocket }
  | { readonly kind: "failed"; readonly failure: OriginFailure; readonly detail: string };

/** The edge's client TLS context; with `extraCaPem`, Node's public roots plus those anchors. */
export function edgeOriginContext(extraCaPem: readonly string[] | null): SecureContext {
  return createSecureContext({
    minVersion: EDGE_MIN_VERSION,
    maxVersion: EDGE_MAX_VERSION,
    ciphers: EDGE_CIPHER_STRING,
    // `ca` replaces the default roots instead of adding to them.
    ...(extraCaPem === null ? {} : { ca: [...rootCertificates, ...extraCaPem] }),
  });
}

function describe(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return [code, message].filter((part) => typeof part === "string").join(": ");
}

export function connectToOrigin(spec: OriginConnectSpec): Promise<OriginConnectResult> {
  return new Promise((resolve) => {
    let settled = false;
    const tcp = connectTcp({
      host: spec.address,
      port: spec.port,
      ...(spec.sourceAddress === undefined ? {} : { localAddress: spec.sourceAddress }),
    });
    /** The outermost socket: the TLS one once the handshake starts. */
    let current: Socket = tcp;
    spec.track(tcp);
    tcp.on("error", () => {}); // from here on nothing a peer does may crash the edge
    // Pingora bounds TCP and TLS together (`total_connection_timeout`); a stalled handshake is
    // a connection that never completed, so 522 rather than 525.
    const timer = setTimeout(
      () => fail("connect_timeout", `no connection within ${spec.connectTimeoutMs} ms`),
      spec.connectTimeoutMs,
    );
    const finish = (result: OriginConnectResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const fail = (failure: OriginFailure, detail: string): void => {
      current.destroy();
      finish({ kind: "failed", failure, detail });
    };
    const onConnectError = (error: unknown): void => {
      const failure = classifyConnectError(error);
      // A reset reported by connect() came after the kernel's handshake: with TLS to do, it is
      // what a reset at the start of the TLS handshake is (525), whichever the event loop saw first.
      fail(failure === "reset" && spec.tls !== null ? "tls_failed" : failure, describe(error));
    };
    // destroy() (the edge closing) ends a pending connect with 'close' and no 'error'.
    const onClose = (): void => fail("connect_failed", "connection closed before it was established");
    tcp.once("error", onConnectError);
    tcp.once("close", onClose);
    tcp.once("connect", () => {
      tcp.off("error", onConnectError);
      tcp.off("close", onClose);
      if (spec.tls === null) {
        finish({ kind: "connected", socket: tcp });
        return;
      }
      current = handshake(tcp, spec.tls, finish, fail);
      spec.track(current);
    });
  });
}

function handshake(
  tcp: Socket,
  tls: OriginTls,
  finish: (result: OriginConnectResult) => void,
  fail: (failure: OriginFailure, detail: string) => void,
): TLSSocket {
  const socket = connectTls({
    socket: tcp,
    // RFC 6066 §3: SNI carries host names only; an IP-literal hostname sends none.
    ...(isIP(tls.servername) === 0 ? { servername: tls.servername } : {}),
    secureContext: tls.secureContext,
    ALPNProtocols: ["http/1.1"],
    // Judged below, once the handshake is done, so that a bad certificate is a 526 and not a 525.
    rejectUnauthorized: false,
  });
  socket.on("error", () => {});
  const onError = (error: unknown): void => fail("tls_failed", describe(error));
  // A close without an error is an EOF in the middle of the handshake.
  const onClose = (): void => fail("tls_failed", "connection closed during the TLS handshake");
  socket.once("error", onError);
  socket.once("close", onClose);
  socket.once("secureConnect", () => {
    socket.off("error", onError);
    socket.off("close", onClose);
    // `authorized` covers the chain and, through the default checkServerIdentity, the hostname.
    if (tls.verify && !socket.authorized) fail("cert_invalid", String(socket.authorizationError));
    else finish({ kind: "connected", socket });
  });
  return socket;
}
