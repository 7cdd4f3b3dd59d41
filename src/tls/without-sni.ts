/**
 * One more handshake, without SNI, made only when the certificate does not name the hostname:
 * it tells a default certificate (the same one comes back: no site for this name, or SNI ignored)
 * from a site configured with the wrong one (another certificate comes back). Cheap: a connect
 * and a handshake on the same address and port, closed at once. Never throws.
 */
import { connectTcp } from "../net/connect-tcp.js";
import type { WithoutSniProbe } from "./inspect-certificate.js";
import { startTls, type TlsOffer } from "./start-tls.js";

export async function handshakeWithoutSni(
  address: string,
  port: number,
  offer: TlsOffer,
  leafFingerprint: string,
  signal: AbortSignal,
): Promise<WithoutSniProbe> {
  const connected = await connectTcp(address, port, signal);
  if (connected.kind !== "connected") {
    return { kind: "failed", errorCode: connected.kind === "failed" ? connected.failure.errorCode : null };
  }
  try {
    const started = await startTls(connected.socket, { ...offer, servername: null }, signal);
    if (started.kind !== "established") {
      return { kind: "failed", errorCode: started.kind === "failed" ? started.failure.errorCode : null };
    }
    started.socket.destroy();
    const leaf = started.certificate.chain[0];
    if (leaf === undefined) return { kind: "failed", errorCode: null };
    return {
      kind: leaf.fingerprint256 === leafFingerprint ? "same" : "different",
      subject: leaf.subject,
      fingerprint256: leaf.fingerprint256,
    };
  } finally {
    connected.socket.destroy();
  }
}
