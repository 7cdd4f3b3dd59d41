/**
 * The SSL modes in-process: the findings as the chosen mode judges them (applySslMode), the
 * verdict under Off, and the per-mode table, one row per kind of evidence.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { applySslMode } from "../../src/checks/ssl-mode.js";
import { type Finding, finding } from "../../src/findings/catalogue.js";
import { DEFAULTS, type DiagnoseRequest, type SslMode } from "../../src/options.js";
import type { Verdict } from "../../src/report/schema.js";
import { sslModeTable, verdictUnderMode } from "../../src/report/ssl-modes.js";

const request = (scheme: "http" | "https", sslMode: SslMode): DiagnoseRequest => ({
  hostname: "example.com",
  displayHostname: "example.com",
  origin: "203.0.113.7",
  scheme,
  port: scheme === "https" ? 443 : 80,
  path: "/",
  method: "GET",
  headers: [],
  userAgent: DEFAULTS.userAgent,
  sslMode,
});

const selfSigned = finding("tls.cert_untrusted", "error", { leg: "origin", phase: "tls" }, "self-signed", {
  reason: "self_signed",
  subject: "CN=example.com",
  issuer: "CN=example.com",
  verifyError: "DEPTH_ZERO_SELF_SIGNED_CERT",
  error: null,
});
const refused = finding("tcp.refused", "error", { leg: "origin", phase: "tcp" }, "refused", {
  address: "203.0.113.7",
  port: 443,
  errorCode: "ECONNREFUSED",
  elapsedMs: 1,
  timeoutMs: 10_000,
  deadline: null,
});
const emptyReply = finding("http.empty_reply", "error", { leg: "origin", phase: "http" }, "empty", {
  bytesReceived: 0,
  elapsedMs: 1,
});

type Cell = readonly [verdict: string, edgeStatus: number | null];

interface Row {
  readonly name: string;
  readonly scheme: "http" | "https";
  readonly findings: readonly Finding[];
  readonly interrupted?: true;
  readonly expected: Readonly<Record<SslMode, Cell>>;
}

const ROWS: readonly Row[] = [
  {
    name: "a healthy HTTPS origin",
    scheme: "https",
    findings: [],
    expected: { off: ["not_tested", null], flexible: ["not_tested", null], full: ["ok", null], strict: ["ok", null] },
  },
  {
    name: "a self-signed certificate: Full works, Full (strict) answers 526",
    scheme: "https",
    findings: [selfSigned],
    expected: { off: ["not_tested", null], flexible: ["not_tested", null], full: ["ok", null], strict: ["fail", 526] },
  },
  {
    name: "443 refused: both TLS modes fail with 521",
    scheme: "https",
    findings: [refused],
    expected: { off: ["not_tested", null], flexible: ["not_tested", null], full: ["fail", 521], strict: ["fail", 521] },
  },
  {
    name: "an empty reply on port 80: Flexible answers 520, visitors meet it themselves with the proxy off",
    scheme: "http",
    findings: [emptyReply],
    expected: {
      off: ["fail", null],
      flexible: ["fail", 520],
      full: ["not_tested", null],
      strict: ["not_tested", null],
    },
  },
  {
    name: "a healthy plain-HTTP origin",
    scheme: "http",
    findings: [],
    expected: { off: ["ok", null], flexible: ["ok", null], full: ["not_tested", null], strict: ["not_tested", null] },
  },
  {
    name: "an interrupted run that found nothing proves nothing",
    scheme: "https",
    findings: [],
    interrupted: true,
    expected: {
      off: ["not_tested", null],
      flexible: ["not_tested", null],
      full: ["not_tested", null],
      strict: ["not_tested", null],
    },
  },
];

describe("sslModeTable: the verdict under each mode, as far as the evidence reaches", () => {
  for (const row of ROWS) {
    test(row.name, () => {
      const table = sslModeTable({
        request: request(row.scheme, row.scheme === "https" ? "strict" : "flexible"),
        address: "203.0.113.7",
        strictFindings: row.findings,
        interruption: row.interrupted ? { kind: "cancelled", ms: null } : null,
      });
      assert.deepEqual(
        table.map((r) => r.mode),
        ["off", "flexible", "full", "strict"],
      );
      for (const r of table) {
        assert.deepEqual([r.verdict, r.edgeStatus], row.expected[r.mode], r.mode);
        assert.equal(r.howToTest !== null, r.verdict === "not_tested", `${r.mode}: a command exactly when not tested`);
      }
    });
  }

  test("an untested mode says how to test it, with the address diagnosed", () => {
    const table = sslModeTable({
      request: request("https", "strict"),
      address: "203.0.113.7",
      strictFindings: [],
      interruption: null,
    });
    const flexible = table.find((r) => r.mode === "flexible");
    assert.equal(flexible?.howToTest, "diag520 example.com --origin 203.0.113.7 --ssl-mode flexible");
    assert.match(flexible?.reason ?? "", /^talks plain HTTP to port 80; this run talked TLS to port 443$/);
  });

  test("Full's reason names the certificate it ignores; Off's says what a grey cloud means", () => {
    const https = sslModeTable({
      request: request("https", "full"),
      address: null,
      strictFindings: [selfSigned],
      interruption: null,
    });
    assert.match(
      https.find((r) => r.mode === "full")?.reason ?? "",
      /Full does not check the certificate.*tls\.cert_untrusted/,
    );
    const http = sslModeTable({
      request: request("http", "off"),
      address: null,
      strictFindings: [],
      interruption: null,
    });
    assert.match(http.find((r) => r.mode === "off")?.reason ?? "", /visitors connect to the origin directly/);
  });
});

describe("applySslMode: severities follow the chosen mode", () => {
  test("Full (strict): a self-signed certificate is an error (526)", () => {
    assert.deepEqual(applySslMode([selfSigned], "strict"), [selfSigned]);
  });

  test("Full: the certificate is context (info, no edge status), the handshake still counts", () => {
    const handshake = finding("tls.handshake_failed", "error", { leg: "origin", phase: "tls" }, "alert", {
      servername: "example.com",
      errorCode: null,
      reason: null,
      alert: "handshake_failure",
      timedOut: false,
      elapsedMs: 1,
      timeoutMs: null,
      deadline: null,
      bytesWritten: 1,
      bytesRead: 1,
    });
    const [certificate, failed] = applySslMode([selfSigned, handshake], "full");
    assert.equal(certificate?.severity, "info");
    assert.equal(certificate?.edgeStatus, null);
    assert.match(certificate?.detail ?? "", /Judged under SSL mode Full/);
    assert.deepEqual(certificate?.evidence, selfSigned.evidence);
    assert.deepEqual(failed, handshake);
  });
});

describe("applySslMode under Off", () => {
  test("no CDN in the path: the failure stays an error, without a CDN status", () => {
    const [off] = applySslMode([emptyReply], "off");
    assert.deepEqual([off?.severity, off?.edgeStatus], ["error", null]);
    assert.match(off?.detail ?? "", /no CDN in the path/);
  });
});

describe("verdictUnderMode", () => {
  const failing: Verdict = {
    ok: false,
    status: "fail",
    edgeStatus: 520,
    summary: "the CDN would answer 520: the origin closed the connection without sending a response",
    decidingFinding: { index: 0, code: "http.empty_reply", leg: "origin" },
  };

  test("Off: no CDN answers; visitors meet the fault themselves", () => {
    const verdict = verdictUnderMode(failing, [emptyReply], "off");
    assert.equal(verdict.ok, false);
    assert.equal(verdict.edgeStatus, null);
    assert.match(verdict.summary, /^with the proxy off \(SSL mode Off\), visitors connect to the origin directly/);
  });

  test("every other mode: the verdict as decided", () => {
    assert.deepEqual(verdictUnderMode(failing, [emptyReply], "flexible"), failing);
  });
});
