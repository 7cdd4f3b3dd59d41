/** checkTls in-process: one row per handshake outcome, the finding pinned with its evidence. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkTls } from "../../src/checks/tls.js";
import type { Finding } from "../../src/findings/catalogue.js";
import type { Evidence } from "../../src/findings/evidence.js";
import type { TlsOutcome } from "../../src/legs/observation.js";
import type { HandshakeFailure } from "../../src/tls/classify-handshake-error.js";
import type { CertificateInspection } from "../../src/tls/inspect-certificate.js";
import { notRun, observation, ran } from "../support/hand-built-leg.js";
import { legSpec } from "../support/leg-spec.js";

const HOSTNAME = "origin.test";
const SPEC = legSpec({ port: 443, tls: true, hostname: HOSTNAME });
const NO_SNI = legSpec({ port: 443, tls: true, hostname: "127.0.0.1", servername: null });
const BYTES = { bytesWritten: 517, bytesRead: 7 };

const CLEAN_CERTIFICATE: CertificateInspection = {
  chain: [],
  trusted: true,
  hostnameMatches: true,
  verifyError: null,
  pathVerified: true,
  extraCaCount: 0,
  checkedAt: "2026-01-01T00:00:00.000Z",
  problems: [],
};

const failure = (kind: HandshakeFailure["kind"], errorCode: string | null, extra: Partial<HandshakeFailure> = {}) =>
  ({ kind, errorCode, reason: null, alert: null, ...extra }) satisfies HandshakeFailure;
const failed = (f: HandshakeFailure, bytes = BYTES): TlsOutcome => ({
  kind: "failed",
  failure: f,
  elapsedMs: 3.21,
  bytes,
});
const established = (protocol: string | null, cipher = "TLS_AES_128_GCM_SHA256"): TlsOutcome => ({
  kind: "established",
  protocol,
  cipher,
  alpn: "http/1.1",
  certificate: CLEAN_CERTIFICATE,
  elapsedMs: 3.21,
  bytes: BYTES,
});
/** tls.handshake_failed evidence for a failure that was not a timeout. */
const failedEvidence = (
  errorCode: string | null,
  extra: { reason?: string | null; alert?: string | null; servername?: string | null } = {},
): Evidence => ({
  servername: HOSTNAME,
  errorCode,
  reason: null,
  alert: null,
  timedOut: false,
  elapsedMs: 3.2,
  timeoutMs: null,
  deadline: null,
  ...BYTES,
  ...extra,
});

function only(findings: readonly Finding[]): Finding {
  assert.equal(findings.length, 1, findings.map((f) => f.code).join(", "));
  const [found] = findings;
  assert.equal(found?.leg, "origin");
  assert.equal(found?.phase, "tls");
  return found as Finding;
}

describe("checkTls: a handshake that failed", () => {
  const rows = [
    {
      name: "an alert the hint table knows: the hint is in the detail",
      spec: SPEC,
      failure: failure("alert", "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE", {
        reason: "sslv3 alert handshake failure",
        alert: "handshake_failure",
      }),
      evidence: failedEvidence("ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE", {
        reason: "sslv3 alert handshake failure",
        alert: "handshake_failure",
      }),
      detail: /with SNI origin\.test with the TLS alert "handshake_failure": usually no cipher suite .* 525/,
    },
    {
      name: "an alert without a hint: named as is",
      spec: SPEC,
      failure: failure("alert", "ERR_SSL_TLSV1_ALERT_DECODE_ERROR", { alert: "decode_error" }),
      evidence: failedEvidence("ERR_SSL_TLSV1_ALERT_DECODE_ERROR", { alert: "decode_error" }),
      detail: /the TLS alert "decode_error"\. In SSL mode Full/,
    },
    {
      name: "a version or cipher the edge does not offer",
      spec: SPEC,
      failure: failure("no_common_protocol", "ERR_SSL_UNSUPPORTED_PROTOCOL", { reason: "unsupported protocol" }),
      evidence: failedEvidence("ERR_SSL_UNSUPPORTED_PROTOCOL", { reason: "unsupported protocol" }),
      detail: /does not offer \(unsupported protocol\)/,
    },
    {
      name: "a reset during the handshake",
      spec: SPEC,
      failure: failure("reset", "ECONNRESET"),
      evidence: failedEvidence("ECONNRESET"),
      detail:
        /reset the connection during the handshake \(ECONNRESET\), after diag520 sent its ClientHello with SNI origin\.test/,
    },
    {
      name: "a close without an alert, no SNI sent for an IP-literal hostname",
      spec: NO_SNI,
      failure: failure("closed", "ECONNRESET"),
      evidence: failedEvidence("ECONNRESET", { servername: null }),
      detail:
        /closed the connection during the handshake without a TLS alert, after diag520 sent its ClientHello without SNI/,
    },
    {
      name: "anything else: the reason or the code",
      spec: SPEC,
      failure: failure("other", "ERR_SOMETHING"),
      evidence: failedEvidence("ERR_SOMETHING"),
      detail: /The handshake failed with SNI origin\.test: ERR_SOMETHING\./,
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const found = only(checkTls(observation({ spec: row.spec, tls: ran(failed(row.failure)) })));
      assert.equal(found.code, "tls.handshake_failed");
      assert.equal(found.severity, "error");
      assert.equal(found.edgeStatus, 525);
      assert.deepEqual(found.evidence, row.evidence);
      assert.match(found.detail, row.detail);
    });
  }

  test("plain text on the port: tls.not_tls (525), with the bytes that went each way", () => {
    const notTls = failure("not_tls", "ERR_SSL_WRONG_VERSION_NUMBER", { reason: "wrong version number" });
    const found = only(checkTls(observation({ spec: SPEC, tls: ran(failed(notTls)) })));
    assert.equal(found.code, "tls.not_tls");
    assert.equal(found.severity, "error");
    assert.equal(found.edgeStatus, 525);
    assert.deepEqual(found.evidence, {
      servername: HOSTNAME,
      errorCode: "ERR_SSL_WRONG_VERSION_NUMBER",
      reason: "wrong version number",
      elapsedMs: 3.2,
      ...BYTES,
    });
    assert.match(found.detail, /not TLS \(wrong version number\).*Flexible with port 80/);
  });
});

describe("checkTls: a handshake that was stopped", () => {
  test("the phase deadline, not a byte back: timed out, the deadline named", () => {
    const stopped: TlsOutcome = {
      kind: "stopped",
      stop: { kind: "deadline", deadline: "phase", ms: 200 },
      elapsedMs: 200.04,
      bytes: { bytesWritten: 517, bytesRead: 0 },
    };
    const found = only(checkTls(observation({ spec: SPEC, tls: ran(stopped, 200) })));
    assert.equal(found.code, "tls.handshake_failed");
    // Shorter than the edge's connection timeout: proves no handshake within 0.2 s, not a 52x.
    assert.equal(found.edgeStatus, null);
    assert.match(found.title, /No TLS handshake within 0\.2 s/);
    assert.deepEqual(found.evidence, {
      servername: HOSTNAME,
      errorCode: "ETIMEDOUT",
      reason: null,
      alert: null,
      timedOut: true,
      elapsedMs: 200,
      timeoutMs: 200,
      deadline: "phase",
      bytesWritten: 517,
      bytesRead: 0,
    });
    assert.match(found.detail, /within 0\.2 s \(not a byte came back after the ClientHello\)/);
  });

  test("a deadline as long as the edge's: the edge's connection timeout, a 522", () => {
    const stopped: TlsOutcome = {
      kind: "stopped",
      stop: { kind: "deadline", deadline: "phase", ms: 19_000 },
      elapsedMs: 19_000,
      bytes: BYTES,
    };
    const found = only(checkTls(observation({ spec: SPEC, tls: ran(stopped, 19_000) })));
    assert.equal(found.edgeStatus, 522);
  });

  test("the run deadline, after some bytes: its length is the run's", () => {
    const stopped: TlsOutcome = {
      kind: "stopped",
      stop: { kind: "deadline", deadline: "run", ms: 1_500 },
      elapsedMs: 90,
      bytes: BYTES,
    };
    const found = only(checkTls(observation({ spec: SPEC, tls: ran(stopped, 5_000) })));
    assert.equal(found.evidence.timeoutMs, 1_500);
    assert.equal(found.evidence.deadline, "run");
    assert.doesNotMatch(found.detail, /not a byte/);
  });

  test("cancelled by the user, or never run: nothing to say", () => {
    const cancelled: TlsOutcome = { kind: "stopped", stop: { kind: "cancelled" }, elapsedMs: 5, bytes: BYTES };
    for (const tls of [ran(cancelled), notRun<TlsOutcome>("not_applicable"), notRun<TlsOutcome>("stopped")]) {
      assert.deepEqual(checkTls(observation({ spec: SPEC, tls })), []);
    }
  });
});

describe("checkTls: a handshake that succeeded", () => {
  test("TLS 1.0 and 1.1 (RFC 8996): a legacy_protocol warning, no edge status", () => {
    for (const protocol of ["TLSv1", "TLSv1.1"]) {
      const cipher = "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA";
      const found = only(checkTls(observation({ spec: SPEC, tls: ran(established(protocol, cipher)) })));
      assert.deepEqual([found.code, found.severity, found.edgeStatus], ["tls.legacy_protocol", "warning", null]);
      assert.deepEqual(found.evidence, { protocol, cipher });
    }
  });

  test("TLS 1.2 and 1.3 with a clean certificate: nothing", () => {
    for (const protocol of ["TLSv1.2", "TLSv1.3", null]) {
      assert.deepEqual(checkTls(observation({ spec: SPEC, tls: ran(established(protocol)) })), []);
    }
  });

  test("the certificate's problems are reported in the tls phase, before the protocol warning", () => {
    const outcome: TlsOutcome = {
      ...established("TLSv1"),
      certificate: { ...CLEAN_CERTIFICATE, pathVerified: false, problems: [{ kind: "no_certificate" }] },
    } as TlsOutcome;
    const findings = checkTls(observation({ spec: SPEC, tls: ran(outcome) }));
    assert.deepEqual(
      findings.map((f) => [f.code, f.leg, f.phase]),
      [
        ["tls.cert_untrusted", "origin", "tls"],
        ["tls.legacy_protocol", "origin", "tls"],
      ],
    );
  });
});
