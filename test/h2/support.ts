/** Shared by the HTTP/2 tests: the lab's certificates and a TLS connection that offers ALPN as the edge does. */
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, type TLSSocket } from "node:tls";
import { type H2Exchange, type H2ExchangeOptions, runH2Exchange } from "../../src/h2/exchange.js";
import { generateLabCertificates } from "../../src/lab/certificates.js";

export const ORIGIN_NAME = "origin.test";
export const certificates = generateLabCertificates([ORIGIN_NAME]);
export const SERVER_TLS = { key: certificates.valid.keyPem, cert: certificates.valid.chainPem };

/** Connected and handshaken with ALPN `h2, http/1.1` (Pingora's order); the origin must have selected h2. */
export async function connectOfferingH2(port: number): Promise<TLSSocket> {
  const socket = connect({
    host: "127.0.0.1",
    port,
    servername: ORIGIN_NAME,
    ca: certificates.caPem,
    ALPNProtocols: ["h2", "http/1.1"],
  });
  await once(socket, "secureConnect");
  assert.equal(socket.alpnProtocol, "h2");
  return socket;
}

/** One exchange with test defaults; `signal` defaults to one that never aborts (node:test's timeout guards). */
export async function exchangeWith(
  port: number,
  overrides: Partial<Omit<H2ExchangeOptions, "socket">> = {},
): Promise<{ result: H2Exchange; socket: TLSSocket }> {
  const socket = await connectOfferingH2(port);
  const result = await runH2Exchange({
    socket,
    authority: ORIGIN_NAME,
    method: "GET",
    path: "/",
    headers: [["user-agent", "diag520-test"]],
    maxBodyBytes: 1024,
    maxHeaderListBytes: 64 * 1024,
    signal: new AbortController().signal,
    ...overrides,
  });
  return { result, socket };
}
