/**
 * Checks across legs: what one leg's finding means given what another leg saw. Pure.
 * An origin that speaks only h2 refuses the origin leg's offer of http/1.1 alone (the TLS alert
 * no_application_protocol): the edge, offering h2 first, gets h2 and is served; it fails only
 * when HTTP/2 to Origin is off, or when the edge falls back to HTTP/1.1.
 */

import type { EvidenceFor } from "../findings/catalogue.js";
import { type Finding, finding } from "../findings/catalogue.js";
import type { H2LegObservation } from "../legs/observation.js";

export function compareLegs(findings: readonly Finding[], originH2: H2LegObservation | null): Finding[] {
  const h2Selected =
    originH2 !== null &&
    originH2.tls.status === "ran" &&
    originH2.tls.outcome.kind === "established" &&
    originH2.tls.outcome.alpn === "h2";
  if (!h2Selected) return [...findings];
  return findings.map((f) =>
    f.leg === "origin" &&
    f.code === "tls.handshake_failed" &&
    f.severity === "error" &&
    f.evidence.alert === "no_application_protocol"
      ? finding(
          "tls.handshake_failed",
          "warning",
          { leg: f.leg, phase: f.phase },
          `The origin refused an offer of http/1.1 alone with the TLS alert no_application_protocol: it speaks only h2. The edge offers h2 first and is served over HTTP/2 (the origin-h2 leg), so this works today; but with HTTP/2 to Origin turned off, or when the edge falls back to HTTP/1.1 after an HTTP/2 error, the handshake fails and the edge answers 525. Add http/1.1 to the server's ALPN protocols.`,
          f.evidence as EvidenceFor<"tls.handshake_failed">,
        )
      : f,
  );
}
