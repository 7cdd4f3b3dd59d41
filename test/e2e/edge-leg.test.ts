/**
 * The edge leg through the real binary, against the lab's fake Cloudflare edge (in-process, on
 * loopback; the edge connects to origins from 127.0.0.2): each run uses the lab's own printed
 * command line (--edge-address, --ca-file), with --json, and --har for the firewall. Six spawns,
 * run side by side:
 * - a firewall that resets only the edge's address: the edge answers 520, the origin diag520 200,
 *   and the pair says "only at the edge", firewall first, with both legs in the HAR;
 * - a header block the edge tolerates: exit 0, the origin's finding a warning with the 128 KB evidence;
 * - a refused connection: confirmed by the edge's 521;
 * - --no-edge: legs.edge is there, skipped, with the reason; with --edge-address: a usage error;
 * - no --origin: the edge alone, and the command to reproduce is the request made to the edge.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Lab, startLab } from "../../src/lab/lab.js";
import type { Report, ReportDocument } from "../../src/report/schema.js";
import { harErrors } from "../artifacts/har-validator.js";
import { type CliResult, runCli } from "../support/run-cli.js";
import { assertValidReport } from "../support/valid-report.js";

const ORIGINS = ["firewall-cdn-ranges", "headers-tolerated-by-edge", "connection-refused", "healthy-http"] as const;
type Name = (typeof ORIGINS)[number];
const LIMIT_MS = 30_000;

interface HarEntryShape {
  readonly startedDateTime: string;
  readonly time: number;
  readonly comment?: string;
  readonly serverIPAddress?: string;
  readonly request: { readonly url: string };
  readonly response: { readonly status: number; readonly headers: ReadonlyArray<{ name: string; value: string }> };
  readonly timings: Readonly<Record<string, number>>;
}

let lab: Lab;
const runs = new Map<string, Promise<CliResult>>();
let harPath = "";

function argsOf(name: Name): string[] {
  const running = lab.origins.find((o) => o.origin.name === name);
  assert.ok(running, `the lab serves ${name}`);
  return [...running.args];
}

/** The run's JSON document, checked against the published schema. */
function documentOf(result: CliResult): ReportDocument {
  assert.equal(result.killedAfterLimit, false);
  assert.equal(result.stderr, "", "--json prints nothing but the document");
  const doc = JSON.parse(result.stdout) as ReportDocument;
  assert.equal(doc.kind, "report");
  assertValidReport(doc);
  return doc;
}

const findingOf = (report: Report, code: string) => report.findings.find((f) => f.code === code);

before(async () => {
  lab = await startLab({ only: [...ORIGINS] });
  harPath = join(lab.directory, "firewall.har");
  // Every spawn starts at once: the suite waits for the slowest, not for the sum.
  runs.set("firewall", runCli([...argsOf("firewall-cdn-ranges"), "--json", "--har", harPath], { limitMs: LIMIT_MS }));
  runs.set("tolerated", runCli([...argsOf("headers-tolerated-by-edge"), "--json"], { limitMs: LIMIT_MS }));
  runs.set("refused", runCli([...argsOf("connection-refused"), "--json"], { limitMs: LIMIT_MS }));
  // No --origin: the lab's name resolves to the CDN's own address, so only the edge is asked.
  const alone = argsOf("connection-refused");
  const originAt = alone.indexOf("--origin");
  runs.set(
    "alone",
    runCli([...alone.filter((_, i) => i !== originAt && i !== originAt + 1), "--json"], { limitMs: LIMIT_MS }),
  );
  const healthy = argsOf("healthy-http");
  const at = healthy.indexOf("--edge-address");
  assert.ok(at > 0, "the lab's command for healthy-http names the fake edge");
  const withoutEdge = healthy.filter((_, i) => i !== at && i !== at + 1);
  runs.set("no-edge", runCli([...withoutEdge, "--no-edge", "--json"], { limitMs: LIMIT_MS }));
  runs.set("contradiction", runCli([...healthy, "--no-edge"], { limitMs: LIMIT_MS }));
});

after(async () => {
  await Promise.allSettled(runs.values());
  await lab?.close();
});

const run = (key: string): Promise<CliResult> => {
  const result = runs.get(key);
  assert.ok(result, key);
  return result;
};

describe("the edge leg, through the binary, against the lab's fake edge", () => {
  test("firewall-cdn-ranges: the edge answers 520 with a Ray ID, only at the edge, a firewall first, exit 1", async () => {
    const result = await run("firewall");
    const doc = documentOf(result);
    assert.equal(result.code, 1);
    assert.equal(doc.exitCode, 1);

    const edge = doc.legs.edge;
    assert.ok(edge, "legs.edge is present");
    assert.equal(edge.skipReason, null);
    assert.equal(edge.pinned, true);
    assert.equal(edge.cacheBusted, true);
    assert.match(edge.path, /[?&]diag520-nocache=[0-9a-f]+/);
    const answer = edge.answer;
    assert.ok(answer);
    assert.equal(answer.status, 520);
    assert.match(answer.cfRay ?? "", /^[0-9a-f]{16}-LAB$/);
    assert.equal(answer.rayId, answer.cfRay?.split("-")[0]);
    assert.equal(answer.colo, "LAB");
    assert.equal(answer.generatedBy, "cloudflare");
    assert.equal(answer.errorCode, 520);
    // The origin leg, straight from the test's address, is served.
    const originHttp = doc.legs.origin?.phases.find((p) => p.name === "http");
    assert.equal(originHttp?.status, "passed");

    const deciding = doc.verdict.decidingFinding;
    assert.equal(deciding?.code, "edge.only_at_edge");
    const only = findingOf(doc, "edge.only_at_edge");
    assert.ok(only);
    assert.equal(only.severity, "error");
    assert.equal(only.edgeStatus, 520);
    assert.equal(only.evidence.rayId, answer.rayId);
    assert.equal(only.evidence.originStatus, 200);
    assert.match(only.detail, new RegExp(`search the origin's logs for it \\(${answer.rayId}`));
    assert.equal(doc.causes[0]?.id, "firewall_blocking");
    assert.equal(doc.causes[0]?.likelihood, "high");

    // The HAR: the origin leg and the edge leg, with real timings; the edge's entry carries cf-ray.
    const har = JSON.parse(await readFile(harPath, "utf8")) as { log: { entries: HarEntryShape[] } };
    assert.deepEqual(harErrors(har), []);
    const entries = har.log.entries;
    assert.equal(entries.length, 2, JSON.stringify(entries.map((e) => e.comment)));
    const [direct, through] = entries as [HarEntryShape, HarEntryShape];
    assert.match(direct.comment ?? "", /^origin leg: direct to the origin/);
    assert.match(
      through.comment ?? "",
      new RegExp(`^edge leg: through the edge at 127\\.0\\.0\\.1 .*Ray ID ${answer.rayId}`),
    );
    assert.equal(direct.response.status, 200);
    assert.equal(through.response.status, 520);
    assert.match(through.request.url, /diag520-nocache=/);
    assert.doesNotMatch(direct.request.url, /diag520-nocache=/);
    const cfRay = through.response.headers.find((h) => h.name.toLowerCase() === "cf-ray")?.value;
    assert.equal(cfRay, answer.cfRay);
    assert.equal(
      direct.response.headers.some((h) => h.name.toLowerCase() === "cf-ray"),
      false,
      "the origin's own answer has no cf-ray",
    );
    for (const entry of entries) {
      assert.equal(entry.serverIPAddress, "127.0.0.1");
      assert.ok(Number.isFinite(Date.parse(entry.startedDateTime)), entry.startedDateTime);
      const { connect, send, wait, receive } = entry.timings as Record<string, number>;
      for (const [phase, value] of Object.entries({ connect, send, wait, receive }))
        assert.ok(typeof value === "number" && value >= 0, `${phase} measured: ${value}`);
      assert.ok(entry.time > 0 && entry.time < LIMIT_MS, `time ${entry.time}`);
      // HAR 1.2: time is the sum of the timings that apply; ssl is already inside connect.
      const sum = Object.entries(entry.timings)
        .filter(([phase, value]) => phase !== "ssl" && value >= 0)
        .reduce((total, [, value]) => total + value, 0);
      assert.ok(Math.abs(sum - entry.time) < 1, `timings add up to time: ${sum} vs ${entry.time}`);
    }
    assert.ok((through.timings.wait ?? 0) > 0, "the edge's answer took measured time");
  });

  test("headers-tolerated-by-edge: exit 0; the origin's header finding is a warning with the edge's 128 KB evidence", async () => {
    const result = await run("tolerated");
    const doc = documentOf(result);
    assert.equal(result.code, 0);
    assert.equal(doc.verdict.ok, true);
    assert.equal(doc.legs.edge?.answer?.status, 200);
    assert.deepEqual(
      doc.findings.filter((f) => f.severity === "error").map((f) => f.code),
      [],
    );
    const origin = findingOf(doc, "http.headers_too_large");
    assert.ok(origin);
    assert.equal(origin.severity, "warning");
    assert.equal(origin.edgeStatus, null);
    assert.match(origin.detail, /Today's edge tolerated it: it answered 200/);
    const tolerated = findingOf(doc, "edge.tolerated");
    assert.ok(tolerated);
    assert.equal(tolerated.severity, "warning");
    assert.equal(tolerated.evidence.edgeLimit, 131_072);
    const bytes = tolerated.evidence.headerBytes;
    assert.ok(typeof bytes === "number" && bytes > 8_192 && bytes < 131_072, String(bytes));
    assert.equal(bytes, origin.evidence.headerBytes);
    assert.equal(tolerated.evidence.rayId, doc.legs.edge?.answer?.rayId);
    assert.match(tolerated.detail, /under the edge's 128 KB limit/);
  });

  test("connection-refused: confirmed by the edge's own 521", async () => {
    const result = await run("refused");
    const doc = documentOf(result);
    assert.equal(result.code, 1);
    assert.equal(doc.legs.edge?.answer?.status, 521);
    assert.equal(doc.verdict.decidingFinding?.code, "tcp.refused");
    const confirmed = findingOf(doc, "edge.confirmed");
    assert.ok(confirmed, JSON.stringify(doc.findings.map((f) => f.code)));
    assert.equal(confirmed.evidence.originCode, "tcp.refused");
    assert.equal(confirmed.evidence.status, 521);
    assert.match(String(confirmed.evidence.rayId), /^[0-9a-f]{16}$/);
    assert.equal(findingOf(doc, "edge.only_at_edge"), undefined);
    assert.equal(doc.causes[0]?.id, "origin_down");
  });

  test("no --origin: the edge alone, its 521 decides, and the curl line reproduces the request made to the edge", async () => {
    const result = await run("alone");
    const doc = documentOf(result);
    assert.equal(doc.exitCode, 1);
    assert.ok(findingOf(doc, "edge.alone"));
    assert.equal(doc.legs.edge?.answer?.status, 521);
    assert.equal(doc.legs.origin?.phases[0]?.status, "skipped");
    const edge = doc.legs.edge;
    assert.ok(edge);
    // The edge's address and its https port, the cache-busted path, no field the edge adds itself.
    assert.ok(
      doc.reproduce.curl.includes(`--resolve ${edge.hostname}:${edge.port}:${edge.address}`),
      doc.reproduce.curl,
    );
    assert.ok(doc.reproduce.curl.includes(edge.path), doc.reproduce.curl);
    assert.doesNotMatch(doc.reproduce.curl, /CF-Connecting-IP|104\.16\./);
  });

  test("--no-edge: legs.edge is there, skipped, with the reason", async () => {
    const result = await run("no-edge");
    const doc = documentOf(result);
    assert.equal(result.code, 0);
    const edge = doc.legs.edge;
    assert.ok(edge);
    assert.equal(edge.skipReason, "not run: the edge leg was turned off");
    assert.equal(edge.answer, null);
    assert.ok(edge.phases.length > 0 && edge.phases.every((p) => p.status === "skipped"));
    assert.equal(
      doc.findings.some((f) => f.leg === "edge"),
      false,
    );
  });

  test("--no-edge with --edge-address: exit 2, one line", async () => {
    const result = await run("contradiction");
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    const lines = result.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0] ?? "", /--no-edge and --edge-address contradict each other/);
  });
});
