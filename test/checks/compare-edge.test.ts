/**
 * The cross-leg comparison in-process: one row per outcome of the pair (confirmed, only at the
 * edge, tolerated, cached, another origin, not Cloudflare, challenged, 1xxx, edge alone, an
 * origin's error passed through), each judged as diagnose() judges it — the origin leg's checks,
 * compareEdge, checkEdge, then rankCauses — down to the deciding finding's code and severity, the
 * first ranked cause and the Ray ID in the evidence. Observations are built by hand; their
 * responses are parsed by the product's own reader from real bytes: the lab origins' replies and
 * the lab edge's own answers (src/lab/edge/edge-answer.ts).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { rankCauses } from "../../src/causes/rank-causes.js";
import { checkLeg } from "../../src/checks/check-leg.js";
import { compareEdge, onlyAtEdgeChecks } from "../../src/checks/compare-edge.js";
import { checkEdge } from "../../src/checks/edge.js";
import type { Finding, FindingCode, Severity } from "../../src/findings/catalogue.js";
import { ResponseReader } from "../../src/http/response-reader.js";
import {
  type AnswerContext,
  answerChallenge,
  answerEdgeError,
  answerErrorCode,
  type EdgeAnswer,
} from "../../src/lab/edge/edge-answer.js";
import { LAB_ORIGINS } from "../../src/lab/lab-origins.js";
import { EDGE_MAX_HEADER_SIZE } from "../../src/legs/edge-header-size.js";
import type { HttpOutcome, LegObservation } from "../../src/legs/observation.js";
import { DEFAULTS } from "../../src/options.js";
import { notRun, observation, ran } from "../support/hand-built-leg.js";
import { legSpec } from "../support/leg-spec.js";

const HOST = "www.example.test";
const RAY = "8f0c2b7e5d4a3c21";
const CF_RAY = `${RAY}-LAB`;
const ORIGIN_ADDRESS = "192.0.2.10";
const EDGE_ADDRESS = "104.16.0.1";

const context = (accept?: string): AnswerContext => ({
  host: HOST,
  ray: { id: RAY, header: CF_RAY },
  colo: "LAB",
  accept,
  visitorAddress: "127.0.0.1",
  now: new Date("2026-03-01T12:00:00Z"),
});

/** A lab origin's reply, byte for byte. */
function labReply(name: string): string {
  const origin = LAB_ORIGINS.find((o) => o.name === name);
  assert.ok(origin !== undefined && origin.server.kind === "plain", name);
  return origin.server.reply.bytes;
}

/** The lab edge's answer as the bytes it sends (Content-Length framing). */
function wire(answer: EdgeAnswer): string {
  const body = Buffer.from(answer.body, "utf8");
  const fields = [...answer.headers, ["content-length", String(body.length)] as const];
  return `HTTP/1.1 ${answer.status} X\r\n${fields.map(([n, v]) => `${n}: ${v}\r\n`).join("")}\r\n${body.toString("latin1")}`;
}

/** An answer the origin made, passed on by the edge with its cf-ray and cf-cache-status. */
function passedOn(status: number, body: string, cacheStatus: string, ray: string | null = CF_RAY): string {
  const fields = [
    "Content-Type: text/html",
    `Content-Length: ${Buffer.byteLength(body, "latin1")}`,
    "Server: cloudflare",
    ...(ray === null ? [] : [`CF-RAY: ${ray}`]),
    `cf-cache-status: ${cacheStatus}`,
  ];
  return `HTTP/1.1 ${status} X\r\n${fields.map((f) => `${f}\r\n`).join("")}\r\n${body}`;
}

/** The HTTP phase of a leg that received `raw` and then saw the peer close, read by the product's reader. */
function httpRan(raw: string, maxHeaderSize: number): HttpOutcome {
  const reader = new ResponseReader({ method: "GET", maxHeaderSize, maxBodyBytes: DEFAULTS.maxBodyBytes });
  if (raw.length > 0) reader.push(Buffer.from(raw, "latin1"));
  if (!reader.finished) reader.endOfStream();
  const record = reader.record();
  const kind = raw.length === 0 ? "closed" : "complete";
  return {
    requestHead: Buffer.from(`GET / HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, "latin1"),
    record,
    exchange: {
      end: { kind, errorCode: null, during: "read", elapsedMs: 3, stop: null },
      firstByteMs: raw.length === 0 ? null : 2,
      headMs: record.head === null ? null : 2,
      completeMs: record.bodyComplete ? 3 : null,
    },
  };
}

/** The origin leg, straight to ORIGIN_ADDRESS: it received `raw` (null: the connect was refused). */
function originLeg(raw: string | null): LegObservation {
  const spec = legSpec({ port: 80, address: ORIGIN_ADDRESS, hostname: HOST });
  if (raw === null) {
    return observation({
      spec,
      tcp: ran({ kind: "failed", failure: { kind: "refused", errorCode: "ECONNREFUSED" }, elapsedMs: 1 }),
    });
  }
  return observation({ spec, http: ran(httpRan(raw, DEFAULTS.maxHeaderSize)) });
}

/** The edge leg, through EDGE_ADDRESS, reading heads up to the edge's own limit. */
function edgeLeg(raw: string): LegObservation {
  const base = legSpec({
    port: 80,
    address: EDGE_ADDRESS,
    hostname: HOST,
    request: { path: "/?diag520-nocache=0a1b" },
  });
  return {
    ...observation({
      spec: { ...base, name: "edge", transport: "undici", maxHeaderSize: EDGE_MAX_HEADER_SIZE },
      tls: notRun("not_applicable"),
      http: ran(httpRan(raw, EDGE_MAX_HEADER_SIZE)),
    }),
    structured: null,
  };
}

/** The pair judged as diagnose() judges it. */
function judge(origin: LegObservation | null, edge: LegObservation) {
  const perLeg = origin === null ? [] : checkLeg(origin);
  const compared = compareEdge(origin, perLeg, edge, origin === null ? "not run: no --origin was given" : null);
  const findings: Finding[] = [
    ...compared.originFindings,
    ...checkEdge(edge, origin !== null && origin.tcp.status === "ran"),
    ...compared.findings,
  ];
  return { findings, originFindings: compared.originFindings, causes: rankCauses(findings) };
}

const HEALTHY = labReply("healthy-http");
const EMPTY = labReply("empty-reply");
const TOLERATED = labReply("headers-tolerated-by-edge");

interface Row {
  readonly name: string;
  readonly origin: string | null | "absent";
  readonly edge: string;
  /** The edge-side finding the row is about. */
  readonly code: FindingCode;
  readonly severity: Severity;
  /** The first ranked cause, or null when nothing to rank (only info, or causes-free warnings). */
  readonly firstCause: string | null;
  /** The Ray ID the finding's evidence names (null: there was none to name). */
  readonly rayId: string | null;
  /** The cross-leg findings, all of them (compareEdge's own). */
  readonly crossLeg: readonly FindingCode[];
  /** The origin leg's findings as the pair judges them: code → severity. */
  readonly originJudged?: Readonly<Record<string, Severity>>;
  readonly more?: (finding: Finding, judged: ReturnType<typeof judge>) => void;
}

const ROWS: readonly Row[] = [
  {
    name: "confirmed: the edge answers 521 and the origin leg is refused too",
    origin: null,
    edge: wire(answerEdgeError(521, {}, context())),
    code: "edge.confirmed",
    severity: "info",
    firstCause: "origin_down",
    rayId: RAY,
    crossLeg: ["edge.confirmed"],
    originJudged: { "tcp.refused": "error" },
    more: (f, judged) => {
      assert.equal(f.evidence.originCode, "tcp.refused");
      assert.equal(f.evidence.originEdgeStatus, 521);
      assert.match(f.detail, /Confirmed by the edge: it answered 521 \(Ray ID 8f0c2b7e5d4a3c21 \(colo LAB\)\)/);
      assert.match(f.detail, /the same 521 diag520 predicts/);
      // Beside an origin leg, the edge's own error is information, not a second error.
      assert.equal(judged.findings.find((g) => g.code === "edge.error")?.severity, "info");
    },
  },
  {
    name: "confirmed: the edge answers 520 (problem JSON) and the origin leg gets an empty reply",
    origin: EMPTY,
    edge: wire(answerEdgeError(520, {}, context("application/json"))),
    code: "edge.confirmed",
    severity: "info",
    firstCause: "origin_down",
    rayId: RAY,
    crossLeg: ["edge.confirmed"],
    originJudged: { "http.empty_reply": "error" },
    more: (f) => {
      assert.equal(f.evidence.originCode, "http.empty_reply");
      assert.equal(f.evidence.errorFormat, "problem_json");
      assert.match(f.detail, /search the origin's logs for it \(8f0c2b7e5d4a3c21/);
    },
  },
  {
    name: "only at the edge: 520 (plain body) while the origin answers diag520 200 → a firewall on the CDN's ranges",
    origin: HEALTHY,
    edge: wire(answerEdgeError(520, { errorFormat: "plain" }, context())),
    code: "edge.only_at_edge",
    severity: "error",
    firstCause: "firewall_blocking",
    rayId: RAY,
    crossLeg: ["edge.only_at_edge"],
    more: (f) => {
      assert.equal(f.edgeStatus, 520);
      assert.equal(f.evidence.originStatus, 200);
      assert.equal(f.evidence.originAddress, ORIGIN_ADDRESS);
      assert.deepEqual(f.evidence.toCheck, onlyAtEdgeChecks(520));
      assert.match(String((f.evidence.toCheck as string[])[0]), /firewall/);
      assert.match(f.detail, /Check, most likely first: \(1\) a firewall/);
    },
  },
  {
    name: "only at the edge: 525 (HTML) → the SSL mode is the first thing to check",
    origin: HEALTHY,
    edge: wire(answerEdgeError(525, {}, context())),
    code: "edge.only_at_edge",
    severity: "error",
    firstCause: "firewall_blocking",
    rayId: RAY,
    crossLeg: ["edge.only_at_edge"],
    more: (f) => {
      assert.equal(f.edgeStatus, 525);
      assert.match(String((f.evidence.toCheck as string[])[0]), /SSL mode/);
    },
  },
  {
    name: "tolerated: a 20 KB header block the edge passes under its 128 KB limit → a warning with that evidence",
    origin: TOLERATED,
    edge: passedOn(200, "hello\n", "DYNAMIC"),
    code: "edge.tolerated",
    severity: "warning",
    firstCause: "header_anomalies",
    rayId: RAY,
    crossLeg: ["edge.tolerated"],
    originJudged: { "http.headers_too_large": "warning" },
    more: (f, judged) => {
      assert.deepEqual(f.evidence.originCodes, ["http.headers_too_large"]);
      const bytes = f.evidence.headerBytes;
      assert.ok(typeof bytes === "number" && bytes > 16_384 && bytes < EDGE_MAX_HEADER_SIZE, String(bytes));
      assert.equal(f.evidence.edgeLimit, 131_072);
      const origin = judged.originFindings.find((g) => g.code === "http.headers_too_large");
      assert.equal(origin?.edgeStatus, null, "a tolerated fault predicts no 52x");
      assert.match(origin?.detail ?? "", /Today's edge tolerated it: it answered 200 \(Ray ID 8f0c2b7e5d4a3c21/);
      // No error is left: the verdict cannot be a failure.
      assert.ok(judged.findings.every((g) => g.severity !== "error"));
    },
  },
  {
    name: "cached: a HIT says nothing of the origin, whose error stays an error",
    origin: EMPTY,
    edge: passedOn(200, "hello\n", "HIT"),
    code: "edge.cached",
    severity: "warning",
    firstCause: "origin_down",
    rayId: RAY,
    crossLeg: [],
    originJudged: { "http.empty_reply": "error" },
    more: (f) => assert.equal(f.evidence.cacheStatus, "HIT"),
  },
  {
    name: "cached: a HIT beside a tolerable header block is not taken as tolerance",
    origin: TOLERATED,
    edge: passedOn(200, "hello\n", "HIT"),
    code: "edge.cached",
    severity: "warning",
    firstCause: "header_anomalies",
    rayId: RAY,
    crossLeg: [],
    originJudged: { "http.headers_too_large": "error" },
  },
  {
    name: "another origin: the edge answers 200 (not cached) while the origin leg gets an empty reply",
    origin: EMPTY,
    edge: passedOn(200, "hello\n", "DYNAMIC"),
    code: "edge.other_origin",
    severity: "warning",
    firstCause: "origin_down",
    rayId: RAY,
    crossLeg: ["edge.other_origin"],
    originJudged: { "http.empty_reply": "error" },
    more: (f) => assert.deepEqual(f.evidence.originCodes, ["http.empty_reply"]),
  },
  {
    name: "not Cloudflare: a 520 without cf-ray is not compared",
    origin: HEALTHY,
    edge: passedOn(520, "error code: 520", "DYNAMIC", null),
    code: "edge.not_cloudflare",
    severity: "warning",
    firstCause: "dns_misconfigured",
    rayId: null,
    crossLeg: [],
    more: (f) => assert.equal(f.evidence.status, 520),
  },
  {
    name: "challenged: 403 with cf-mitigated: challenge; the origin was never asked",
    origin: HEALTHY,
    edge: wire(answerChallenge(context())),
    code: "edge.challenged",
    severity: "warning",
    firstCause: null,
    rayId: RAY,
    crossLeg: [],
    more: (f) => assert.equal(f.evidence.mitigated, "challenge"),
  },
  {
    name: "1xxx: 1016 in the legacy page under 530 is the edge's DNS error, not a 52x of the origin",
    origin: HEALTHY,
    edge: wire(answerErrorCode({ kind: "1xxx", hostname: HOST, code: 1016, status: 530 }, context())),
    code: "edge.error_1xxx",
    severity: "error",
    firstCause: "dns_misconfigured",
    rayId: RAY,
    crossLeg: [],
    more: (f) => {
      assert.equal(f.edgeStatus, 530);
      assert.equal(f.evidence.errorCode, 1016);
    },
  },
  {
    name: "1xxx: 1033 as problem JSON under 530",
    origin: HEALTHY,
    edge: wire(answerErrorCode({ kind: "1xxx", hostname: HOST, code: 1033, status: 530 }, context("application/json"))),
    code: "edge.error_1xxx",
    severity: "error",
    firstCause: "dns_misconfigured",
    rayId: RAY,
    crossLeg: [],
    more: (f) => assert.equal(f.evidence.errorName, "argo_tunnel_error"),
  },
  {
    name: "1xxx: 1000 under 403 is a warning with no edge status",
    origin: HEALTHY,
    edge: wire(answerErrorCode({ kind: "1xxx", hostname: HOST, code: 1000, status: 403 }, context())),
    code: "edge.error_1xxx",
    severity: "warning",
    firstCause: "dns_misconfigured",
    rayId: RAY,
    crossLeg: [],
    more: (f) => assert.equal(f.edgeStatus, null),
  },
  {
    name: "an origin's own 502 passed through: the origin answered, with an error",
    origin: HEALTHY,
    edge: passedOn(502, "<html><body>502 Bad Gateway</body></html>", "DYNAMIC"),
    code: "edge.origin_error_passed",
    severity: "warning",
    firstCause: "origin_down",
    rayId: RAY,
    crossLeg: [],
  },
  {
    name: "the edge alone (no origin leg): its 522 is the error, and the origin leg's half is named",
    origin: "absent",
    edge: wire(answerEdgeError(522, {}, context())),
    code: "edge.error",
    severity: "error",
    firstCause: "origin_down",
    rayId: RAY,
    crossLeg: ["edge.alone"],
    more: (f, judged) => {
      assert.equal(f.edgeStatus, 522);
      const alone = judged.findings.find((g) => g.code === "edge.alone");
      assert.equal(alone?.severity, "info");
      assert.equal(alone?.evidence.reason, "no --origin was given");
      assert.match(alone?.detail ?? "", /Pass --origin/);
    },
  },
  {
    name: "the edge alone, answering 200: information only, nothing to rank",
    origin: "absent",
    edge: passedOn(200, "hello\n", "DYNAMIC"),
    code: "edge.answered",
    severity: "info",
    firstCause: null,
    rayId: RAY,
    crossLeg: ["edge.alone"],
  },
];

describe("compareEdge: each outcome of the pair → its finding, severity, first cause and Ray ID", () => {
  for (const row of ROWS) {
    test(row.name, () => {
      const origin = row.origin === "absent" ? null : originLeg(row.origin);
      const judged = judge(origin, edgeLeg(row.edge));
      const show = JSON.stringify(
        judged.findings.map((f) => [f.code, f.severity, f.edgeStatus]),
        null,
        1,
      );
      const found = judged.findings.find((f) => f.code === row.code);
      assert.ok(found, `${row.code} in ${show}`);
      assert.equal(found.severity, row.severity, show);
      assert.equal(found.leg, "edge");
      assert.equal(found.evidence.rayId ?? null, row.rayId);
      if (row.rayId !== null) {
        assert.equal(found.evidence.cfRay, CF_RAY);
        assert.equal(found.evidence.colo, "LAB");
      }
      assert.equal(found.evidence.edgeAddress, `${EDGE_ADDRESS}:80`);
      assert.equal(found.evidence.cacheBusted, true);
      const cross = judged.findings.filter((f) =>
        ["edge.confirmed", "edge.only_at_edge", "edge.tolerated", "edge.other_origin", "edge.alone"].includes(f.code),
      );
      assert.deepEqual(
        cross.map((f) => f.code),
        row.crossLeg,
        show,
      );
      assert.equal(judged.causes[0]?.id ?? null, row.firstCause, JSON.stringify(judged.causes.map((c) => c.id)));
      if (row.originJudged !== undefined) {
        const origins = Object.fromEntries(
          judged.originFindings.filter((f) => f.severity !== "info").map((f) => [f.code, f.severity]),
        );
        assert.deepEqual(origins, row.originJudged, show);
      }
      row.more?.(found, judged);
    });
  }

  test("no edge leg: the origin leg's findings pass untouched, nothing is added", () => {
    const origin = originLeg(EMPTY);
    const perLeg = checkLeg(origin);
    const compared = compareEdge(origin, perLeg, null, null);
    assert.deepEqual(compared.originFindings, perLeg);
    assert.deepEqual(compared.findings, []);
  });

  test("an edge that sent no head: no comparison, and the edge leg says it was unreachable", () => {
    const origin = originLeg(HEALTHY);
    const edge = edgeLeg("");
    const judged = judge(origin, edge);
    assert.deepEqual(
      judged.findings.filter((f) => f.leg === "edge").map((f) => [f.code, f.severity]),
      [["edge.unreachable", "warning"]],
    );
  });
});
