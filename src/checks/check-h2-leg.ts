/**
 * The HTTP/2 leg's checks: its own connect and handshake only where they differ from the origin
 * leg's (the same origin refusing twice is one finding, and the certificate is judged once, on
 * the origin leg), then its HTTP/2 exchange.
 */
import type { Finding } from "../findings/catalogue.js";
import type { H2LegObservation } from "../legs/observation.js";
import { checkHttp2 } from "./http2.js";
import { checkTcp } from "./tcp.js";
import { checkTls } from "./tls.js";

export function checkH2Leg(leg: H2LegObservation, originFindings: readonly Finding[]): Finding[] {
  const shown = new Set(originFindings.filter((f) => f.leg === "origin").map((f) => `${f.phase} ${f.code}`));
  const connection = [...checkTcp(leg), ...checkTls(leg, false)].filter((f) => !shown.has(`${f.phase} ${f.code}`));
  return [...connection, ...checkHttp2(leg)];
}
