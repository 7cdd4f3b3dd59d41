/** checkTcp in-process: one row per connect outcome, the finding pinned with its evidence. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { EDGE_CONNECT_TIMEOUT_MS } from "../../src/cdn/edge-timeouts.js";
import { checkTcp } from "../../src/checks/tcp.js";
import type { EdgeStatus, FindingCode, Severity } from "../../src/findings/catalogue.js";
import type { Evidence } from "../../src/findings/evidence.js";
import type { TcpOutcome } from "../../src/legs/observation.js";
import type { ConnectFailure } from "../../src/net/classify-socket-error.js";
import { notRun, observation, ran } from "../support/hand-built-leg.js";
import { legSpec } from "../support/leg-spec.js";

const ADDRESS = "192.0.2.10";
const PORT = 8443;
const SPEC = legSpec({ port: PORT, address: ADDRESS });

const failed = (failure: ConnectFailure): TcpOutcome => ({ kind: "failed", failure, elapsedMs: 12.34 });
/** The evidence every connect failure but the reset carries (the catalogue's CONNECT_FAILURE). */
const connectEvidence = (errorCode: string | null, timeoutMs = 5_000, deadline: string | null = null): Evidence => ({
  address: ADDRESS,
  port: PORT,
  errorCode,
  elapsedMs: 12.3,
  timeoutMs,
  deadline,
});

interface Row {
  readonly name: string;
  readonly outcome: TcpOutcome;
  readonly code: FindingCode;
  readonly severity: Severity;
  readonly edgeStatus: EdgeStatus | null;
  readonly evidence: Evidence;
  readonly detail: RegExp;
}

const ROWS: readonly Row[] = [
  {
    name: "refused: 521",
    outcome: failed({ kind: "refused", errorCode: "ECONNREFUSED" }),
    code: "tcp.refused",
    severity: "error",
    edgeStatus: 521,
    evidence: connectEvidence("ECONNREFUSED"),
    detail: /192\.0\.2\.10:8443 actively refused the connection \(ECONNREFUSED\).*521/,
  },
  {
    // Accepted, then reset before connect() returned: what the edge meets on its request (520).
    name: "reset at the connect: http.connection_reset (520), observed in the tcp phase",
    outcome: failed({ kind: "reset", errorCode: "ECONNRESET" }),
    code: "http.connection_reset",
    severity: "error",
    edgeStatus: 520,
    evidence: {
      errorCode: "ECONNRESET",
      during: "connect",
      elapsedMs: 12.3,
      bytesReceived: 0,
      headComplete: false,
      receivedBodyBytes: 0,
      expectedBodyBytes: null,
    },
    detail: /reset the connection at once \(ECONNRESET\).*answers 520/,
  },
  {
    name: "the kernel's own connect timeout: 522, no deadline of ours fired",
    outcome: failed({ kind: "timeout", errorCode: "ETIMEDOUT" }),
    code: "tcp.timeout",
    severity: "error",
    edgeStatus: 522,
    evidence: connectEvidence("ETIMEDOUT"),
    detail: /within 5 s \(ETIMEDOUT\).*19 s/,
  },
  {
    name: "no route: 523",
    outcome: failed({ kind: "unreachable", errorCode: "EHOSTUNREACH" }),
    code: "tcp.unreachable",
    severity: "error",
    edgeStatus: 523,
    evidence: connectEvidence("EHOSTUNREACH"),
    detail: /no route to 192\.0\.2\.10:8443.*523/,
  },
  {
    name: "a local firewall: a warning, since it says nothing about the edge",
    outcome: failed({ kind: "local", errorCode: "EPERM" }),
    code: "tcp.unreachable",
    severity: "warning",
    edgeStatus: null,
    evidence: connectEvidence("EPERM"),
    detail: /did not let the connection .* leave \(EPERM\)/,
  },
  {
    name: "an unknown errno: a warning",
    outcome: failed({ kind: "unknown", errorCode: null }),
    code: "tcp.unreachable",
    severity: "warning",
    edgeStatus: null,
    evidence: connectEvidence(null),
    detail: /failed with no error code/,
  },
  {
    name: "a phase deadline shorter than the edge's: an error, but no 522 claimed",
    outcome: { kind: "stopped", stop: { kind: "deadline", deadline: "phase", ms: 1 }, elapsedMs: 12.34 },
    code: "tcp.timeout",
    severity: "error",
    edgeStatus: null,
    evidence: connectEvidence(null, 1, "phase"),
    detail: /within 0\.001 s \(no error code\).*19 s.*proves only that no answer came within 0\.001 s, not a 522/,
  },
  {
    name: "the phase deadline as long as the edge's: 522",
    outcome: { kind: "stopped", stop: { kind: "deadline", deadline: "phase", ms: 19_000 }, elapsedMs: 19_000.5 },
    code: "tcp.timeout",
    severity: "error",
    edgeStatus: 522,
    evidence: { ...connectEvidence(null, 19_000, "phase"), elapsedMs: 19_000.5 },
    detail: /within 19 s \(no error code\)/,
  },
  {
    name: "the run deadline fired: said to be the run's, no 522 claimed",
    outcome: { kind: "stopped", stop: { kind: "deadline", deadline: "run", ms: 2_500 }, elapsedMs: 12.34 },
    code: "tcp.timeout",
    severity: "error",
    edgeStatus: null,
    evidence: connectEvidence(null, 2_500, "run"),
    detail: /within 2\.5 s/,
  },
];

describe("checkTcp", () => {
  for (const row of ROWS) {
    test(row.name, () => {
      const findings = checkTcp(observation({ spec: SPEC, tcp: ran(row.outcome, 5_000) }));
      assert.equal(findings.length, 1);
      const [found] = findings;
      assert.equal(found?.code, row.code);
      assert.equal(found?.severity, row.severity);
      assert.equal(found?.edgeStatus, row.edgeStatus);
      assert.equal(found?.leg, "origin");
      assert.equal(found?.phase, "tcp");
      assert.deepEqual(found?.evidence, row.evidence);
      assert.match(found?.detail ?? "", row.detail);
    });
  }

  test("a deadline as long as the edge's says nothing about giving up sooner", () => {
    const stop = { kind: "deadline", deadline: "phase", ms: EDGE_CONNECT_TIMEOUT_MS } as const;
    const [found] = checkTcp(observation({ spec: SPEC, tcp: ran({ kind: "stopped", stop, elapsedMs: 1 }) }));
    assert.equal(found?.code, "tcp.timeout");
    assert.doesNotMatch(found?.detail ?? "", /gave up sooner/);
  });

  test("an IPv6 address is bracketed in the detail", () => {
    const spec = legSpec({ port: PORT, address: "2001:db8::1" });
    const [found] = checkTcp(observation({ spec, tcp: ran(failed({ kind: "refused", errorCode: "ECONNREFUSED" })) }));
    assert.match(found?.detail ?? "", /^\[2001:db8::1\]:8443 actively refused/);
  });

  test("nothing to say: connected, cancelled by the user (not a fact about the origin), or never run", () => {
    const connected = ran<TcpOutcome>({ kind: "connected", elapsedMs: 1, localAddress: "127.0.0.1", localPort: 1 });
    const cancelled = ran<TcpOutcome>({ kind: "stopped", stop: { kind: "cancelled" }, elapsedMs: 1 });
    for (const tcp of [connected, cancelled, notRun<TcpOutcome>("stopped")]) {
      assert.deepEqual(checkTcp(observation({ spec: SPEC, tcp })), []);
    }
  });
});
