/** strictClientSubjects and checkStrictClient in-process: one row per replay outcome and per origin finding. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkStrictClient, strictClientSubjects } from "../../src/checks/strict-client.js";
import { type Finding, finding, type Severity } from "../../src/findings/catalogue.js";
import type { Evidence } from "../../src/findings/evidence.js";
import type { StrictClientReplay } from "../../src/legs/observation.js";
import { findingSchema } from "../../src/report/schema.js";

const CLIENT = "undici 7.30.2";

function invalidHeader(problem: string, severity: Severity = "warning", leg: "origin" | "edge" = "origin"): Finding {
  return finding("http.invalid_header", severity, { leg, phase: "http" }, "…", {
    problem,
    line: "Server : lab",
    lineBytes: 12,
    lineNumber: 2,
    offset: 17,
    column: 7,
    byte: " ",
    lines: 1,
    lineNumbers: [2],
    contentLength: [],
    invalidValues: [],
  });
}

const SPACED = invalidHeader("whitespace_before_colon");
const FOLDED = invalidHeader("obs_fold");
const replayed = { client: CLIENT, replayedBytes: 62, elapsedMs: 3 };

describe("strictClientSubjects: the replay runs only for what the edge tolerates", () => {
  const rows: ReadonlyArray<{ name: string; findings: Finding[]; subjects: Finding[] }> = [
    { name: "whitespace before the colon", findings: [SPACED], subjects: [SPACED] },
    { name: "obs-fold", findings: [FOLDED], subjects: [FOLDED] },
    { name: "both", findings: [SPACED, FOLDED], subjects: [SPACED, FOLDED] },
    { name: "a field line the edge rejects (an error)", findings: [invalidHeader("no_colon", "error")], subjects: [] },
    {
      name: "on the edge leg, not the origin's",
      findings: [invalidHeader("obs_fold", "warning", "edge")],
      subjects: [],
    },
    { name: "a healthy run", findings: [], subjects: [] },
  ];
  for (const row of rows) {
    test(row.name, () => assert.deepEqual(strictClientSubjects(row.findings), row.subjects));
  }
});

interface Row {
  readonly name: string;
  readonly replay: StrictClientReplay | null;
  readonly subjects: readonly Finding[];
  /** null: no finding. */
  readonly severity: Severity | null;
  readonly evidence?: Evidence;
  readonly detail?: readonly RegExp[];
}

const ROWS: readonly Row[] = [
  {
    name: "rejected: a warning, undici's error as evidence, the edge's tolerance cited",
    replay: {
      ...replayed,
      kind: "rejected",
      errorCode: "HTTPParserError",
      errorMessage: "Response does not match the HTTP/1.1 protocol (Invalid header token)",
    },
    subjects: [SPACED],
    severity: "warning",
    evidence: {
      client: CLIENT,
      outcome: "rejected",
      errorCode: "HTTPParserError",
      errorMessage: "Response does not match the HTTP/1.1 protocol (Invalid header token)",
      statusCode: null,
      replayedBytes: 62,
      originCodes: ["http.invalid_header"],
    },
    detail: [
      /^Replayed byte for byte from a loopback server to undici 7\.30\.2, the origin's response head \(62 bytes/,
      /rejected: HTTPParserError: Response does not match the HTTP\/1\.1 protocol \(Invalid header token\)\./,
      /The CDN's parser tolerates whitespace between a field name and its colon in responses \(Pingora enables it in httparse; cloudflare\/pingora, pingora-core\/src\/protocols\/http\/v1\/client\.rs\)/,
      /strict clients such as undici \(Node's fetch\) reject it: a proxy or client behind Cloudflare's cache .* or a direct visitor may fail/,
      /Fix: remove the whitespace before the colon \(RFC 9112 §5\.1\)\.$/,
    ],
  },
  {
    name: "rejected without a code: the message alone",
    replay: { ...replayed, kind: "rejected", errorCode: null, errorMessage: "other side closed" },
    subjects: [FOLDED, SPACED],
    severity: "warning",
    detail: [
      /rejected: other side closed\./,
      /tolerates a header field continued on a line that starts with whitespace \(obs-fold\) and whitespace between/,
      /Fix: send each field value on one line \(RFC 9112 §5\.2\), and remove the whitespace before the colon/,
    ],
  },
  {
    name: "accepted: context only, with the status undici read",
    replay: { ...replayed, kind: "accepted", statusCode: 200 },
    subjects: [FOLDED],
    severity: "info",
    evidence: {
      client: CLIENT,
      outcome: "accepted",
      errorCode: null,
      errorMessage: null,
      statusCode: 200,
      replayedBytes: 62,
      originCodes: ["http.invalid_header"],
    },
    detail: [/is accepted, with status 200\./, /stricter proxies may still reject it/],
  },
  {
    name: "stopped (Ctrl-C, its deadline): nothing learnt, no finding",
    replay: { ...replayed, kind: "stopped", stop: { kind: "cancelled" } },
    subjects: [SPACED],
    severity: null,
  },
  {
    name: "failed to set up (no loopback listener): no finding",
    replay: { ...replayed, kind: "failed", errorCode: "EACCES" },
    subjects: [SPACED],
    severity: null,
  },
  {
    name: "no replay (nothing the edge tolerates): no finding",
    replay: null,
    subjects: [],
    severity: null,
  },
];

describe("checkStrictClient", () => {
  for (const row of ROWS) {
    test(row.name, () => {
      const findings = checkStrictClient(row.replay, row.subjects);
      if (row.severity === null) {
        assert.deepEqual(findings, []);
        return;
      }
      assert.equal(findings.length, 1);
      const [found] = findings;
      assert.ok(found);
      findingSchema.parse(found);
      assert.equal(found.code, "http.strict_client");
      assert.equal(found.severity, row.severity);
      assert.equal(found.edgeStatus, null);
      assert.deepEqual([found.leg, found.phase], ["origin", "http"]);
      if (row.evidence) assert.deepEqual(found.evidence, row.evidence);
      for (const pattern of row.detail ?? []) assert.match(found.detail, pattern);
    });
  }
});
