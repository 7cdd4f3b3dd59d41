/** Every per-leg check, in the order the leg's phases run (the first error is what the edge meets first). */
import type { Finding } from "../findings/catalogue.js";
import type { LegObservation } from "../legs/observation.js";
import { checkHttp } from "./http.js";
import { checkTcp } from "./tcp.js";
import { checkTls } from "./tls.js";

export function checkLeg(leg: LegObservation): Finding[] {
  return [...checkTcp(leg), ...checkTls(leg), ...checkHttp(leg)];
}
