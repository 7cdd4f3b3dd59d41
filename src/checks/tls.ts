/**
 * Findings about a leg's TLS handshake: a failure (525), a plain-text answer (525), a handshake
 * that never finished, an outdated protocol; then the certificate (checks/certificate.ts).
 * Pure: observation in, findings out.
 */
import { EDGE_TLS_TIMEOUT_MS } from "../cdn/edge-timeouts.js";
import { type Finding, finding, type Origin } from "../findings/catalogue.js";
import type { H2LegObservation, LegObservation, TlsOutcome } from "../legs/observation.js";
import { formatSeconds } from "../text/format-seconds.js";
import { roundMs } from "../text/round-ms.js";
import type { HandshakeFailure } from "../tls/classify-handshake-error.js";
import { LEGACY_PROTOCOLS } from "../tls/edge-tls-profile.js";
import { checkCertificate } from "./certificate.js";

const EDGE_WOULD_525 =
  "In SSL mode Full or Full (strict) the edge would answer 525 (Flexible does not use TLS towards the origin).";

/** What a server's alert usually means when the client is the edge (RFC 8446 §6.2 names). */
const ALERT_HINTS: Readonly<Record<string, string>> = {
  handshake_failure: "usually no cipher suite or TLS version in common with what the edge offers",
  protocol_version: "no TLS version in common: the edge offers TLS 1.0 to 1.3",
  insufficient_security: "the origin wants stronger ciphers than the edge offers",
  unrecognized_name: "the origin has no certificate for the SNI name sent",
  internal_error: "a fault on the origin, often no certificate or key configured for this name",
  certificate_required: "the origin wants a client certificate (Authenticated Origin Pulls set up on the origin only)",
  access_denied: "the origin refuses this client",
  no_application_protocol:
    "the origin accepts none of the ALPN protocols offered (an origin that speaks only h2 refuses an offer of http/1.1 alone)",
};

/** `judgeCertificate` false: the handshake only (the HTTP/2 leg meets the certificate the origin leg judged). */
export function checkTls(leg: LegObservation | H2LegObservation, judgeCertificate = true): Finding[] {
  const tls = leg.tls;
  if (tls.status !== "ran") return [];
  const at: Origin = { leg: leg.spec.name, phase: "tls" };
  const servername = leg.spec.tls?.servername ?? null;
  const outcome = tls.outcome;
  switch (outcome.kind) {
    case "stopped":
      return outcome.stop.kind === "cancelled"
        ? []
        : [handshakeTimeout(at, servername, outcome, outcome.stop.ms, outcome.stop.deadline)];
    case "failed":
      return [handshakeFinding(outcome.failure, at, servername, outcome)];
    case "established": {
      const findings = judgeCertificate ? checkCertificate(outcome.certificate, at) : [];
      if (outcome.protocol !== null && LEGACY_PROTOCOLS.has(outcome.protocol)) {
        findings.push(
          finding(
            "tls.legacy_protocol",
            "warning",
            at,
            `The origin negotiated ${outcome.protocol} (with ${outcome.cipher}), deprecated by RFC 8996. The edge still offers TLS 1.0 and 1.1 to origins, so this works today, but browsers and other proxies refuse it: enable TLS 1.2 or 1.3 on the origin.`,
            { protocol: outcome.protocol, cipher: outcome.cipher },
          ),
        );
      }
      return findings;
    }
  }
}

function handshakeTimeout(
  at: Origin,
  servername: string | null,
  outcome: TlsOutcome,
  timeoutMs: number,
  deadline: "phase" | "run",
): Finding {
  const { bytesRead } = outcome.bytes;
  const shorter = timeoutMs < EDGE_TLS_TIMEOUT_MS;
  const seconds = formatSeconds(timeoutMs);
  return finding(
    "tls.handshake_failed",
    "error",
    at,
    `The origin accepted the TCP connection but did not complete the TLS handshake within ${seconds}${bytesRead === 0 ? " (not a byte came back after the ClientHello)" : ""}: a hung or overloaded server, or a service on this port that is not TLS and waits for more input. The edge's connection timeout (about 19 s) covers the handshake, and it answers 522 when it passes.${shorter ? ` diag520's deadline (${seconds}) is shorter than that, so this proves only that the handshake did not finish within ${seconds}.` : ""}`,
    {
      servername,
      errorCode: "ETIMEDOUT",
      reason: null,
      alert: null,
      timedOut: true,
      elapsedMs: roundMs(outcome.elapsedMs),
      timeoutMs,
      deadline,
      ...outcome.bytes,
    },
    shorter
      ? { title: `No TLS handshake within ${seconds} (the edge waits about 19 s)`, noEdgeStatus: true }
      : { title: "The TLS handshake did not finish in time", edgeStatus: 522 },
  );
}

function handshakeFinding(
  failure: HandshakeFailure,
  at: Origin,
  servername: string | null,
  outcome: TlsOutcome,
): Finding {
  const sni = servername === null ? "without SNI (the hostname is an IP address)" : `with SNI ${servername}`;
  const code = failure.errorCode ?? "no error code";
  const elapsedMs = roundMs(outcome.elapsedMs);
  if (failure.kind === "not_tls") {
    return finding(
      "tls.not_tls",
      "error",
      at,
      `The port answered with something that is not TLS (${failure.reason ?? code}), most likely plain HTTP: the server on this port is not configured for TLS. ${EDGE_WOULD_525} Either enable TLS on this port or use SSL mode Flexible with port 80.`,
      { servername, errorCode: failure.errorCode, reason: failure.reason, elapsedMs, ...outcome.bytes },
    );
  }
  const evidence = {
    servername,
    errorCode: failure.errorCode,
    reason: failure.reason,
    alert: failure.alert,
    timedOut: false,
    elapsedMs,
    timeoutMs: null,
    deadline: null,
    ...outcome.bytes,
  };
  const detail = (text: string) => finding("tls.handshake_failed", "error", at, `${text} ${EDGE_WOULD_525}`, evidence);
  switch (failure.kind) {
    case "alert": {
      const hint = failure.alert ? ALERT_HINTS[failure.alert] : undefined;
      return detail(
        `The origin aborted the handshake ${sni} with the TLS alert "${failure.alert}"${hint ? `: ${hint}` : ""}.`,
      );
    }
    case "no_common_protocol":
      return detail(
        `The origin chose a TLS version or cipher that the edge does not offer (${failure.reason ?? code}); the edge offers TLS 1.0 to 1.3 with its published cipher list.`,
      );
    case "reset":
      return detail(
        `The origin reset the connection during the handshake (${code}), after diag520 sent its ClientHello ${sni}: a server that does not speak TLS on this port, a TLS stack that rejects the offer, or a firewall or IPS in between.`,
      );
    case "closed":
      return detail(
        `The origin closed the connection during the handshake without a TLS alert, after diag520 sent its ClientHello ${sni}: often no certificate configured for that name, or no SNI support.`,
      );
    case "other":
      return detail(`The handshake failed ${sni}: ${failure.reason ?? code}.`);
  }
}
