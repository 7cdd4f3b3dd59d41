/**
 * The real binary, for the wiring of a series: --repeat and --tolerate through to the exit code
 * and the JSON document (validated against the schema, counts compared with the origin's own
 * counters), the human picture and the Markdown report, and Ctrl-C in the middle of a series.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type DnsServer, startDnsServer } from "../../src/lab/dns-server.js";
import { type Lab, type RunningOrigin, startLab } from "../../src/lab/lab.js";
import { LAB_CDN_ADDRESS } from "../../src/lab/lab-origins.js";
import { outputDocumentSchema, type ReportDocument } from "../../src/report/schema.js";
import { runCli } from "../support/run-cli.js";
import { startSeriesOrigin } from "./series-origins.js";

function parseReport(stdout: string): ReportDocument {
  const doc = outputDocumentSchema.parse(JSON.parse(stdout));
  assert.ok(doc.kind === "report");
  return doc as ReportDocument;
}

describe("a series through the binary", () => {
  let lab: Lab;
  let directory: string;
  before(async () => {
    lab = await startLab({ only: ["one-in-four", "one-bad-member"] });
    directory = await mkdtemp(join(tmpdir(), "diag520-series-"));
  });
  after(async () => {
    await lab.close();
    await rm(directory, { recursive: true, force: true });
  });
  const running = (name: string): RunningOrigin & { counts: NonNullable<RunningOrigin["counts"]> } => {
    const found = lab.origins.find((o) => o.origin.name === name);
    assert.ok(found?.counts !== undefined, `${name} counts its requests`);
    return { ...found, counts: found.counts };
  };

  test("--repeat 12 --json: one document, the origin's own counts, exit 1", async () => {
    const origin = running("one-in-four");
    const before = origin.counts();
    const result = await runCli([...origin.args, "--json"]);
    const after = origin.counts();
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stderr, "", "--json prints nothing but the document");
    const doc = parseReport(result.stdout);
    const leg = doc.series?.legs.origin;
    assert.equal(leg?.counted, after.requests - before.requests);
    assert.equal(leg?.outcomes.error, after.failures - before.failures);
    assert.equal(leg?.outcomes.error, 3);
    assert.equal(doc.exitCode, 1);
    assert.equal(doc.verdict.ok, false);
  });

  test("--tolerate 0.25 with 3 failures in 12: a rate equal to the tolerance passes, and the verdict says so", async () => {
    const origin = running("one-in-four");
    const result = await runCli([...origin.args, "--tolerate", "0.25", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const doc = parseReport(result.stdout);
    assert.equal(doc.exitCode, 0);
    assert.equal(doc.series?.legs.origin?.errorRate, 0.25);
    assert.equal(doc.verdict.ok, false, "the verdict still says that requests failed");
    assert.match(doc.verdict.summary, /3 of 12 requests \(25 %\).*; within the tolerated error rate \(25 %\)$/);
  });

  test("the human report draws the series within 80 columns; the Markdown report carries it too", async () => {
    const origin = running("one-bad-member");
    const ticket = join(directory, "ticket.md");
    const result = await runCli([...origin.args, "--no-color", "--report", ticket]);
    assert.equal(result.code, 1, result.stderr);
    const lines = result.stdout.split("\n");
    const block = lines.slice(lines.indexOf("Series"), lines.indexOf("Phases"));
    assert.ok(block.length > 10, result.stdout);
    for (const line of block) assert.ok(line.length <= 80, `${line.length}: ${line}`);
    assert.ok(block.includes("     1 ..x...x...x."), block.join("\n"));
    assert.match(
      result.stdout,
      /^✗ The CDN would answer 520 on 3 of 12 requests \(25 %\), every fourth request: .*all at 127\.0\.0\.4/m,
    );
    const markdown = await readFile(ticket, "utf8");
    assert.match(markdown, /^## Repeated samples$/m);
    assert.match(markdown, /^\| `127\.0\.0\.4` \| 3 \| 3 \| 100 % \|/m);
    assert.match(markdown, /^- Origin diagnosed: `127\.0\.0\.4`/m);
  });
});

describe("Ctrl-C in the middle of a series", () => {
  const HOST = "interrupted.lab.diag520.test";
  let dns: DnsServer;
  before(async () => {
    dns = await startDnsServer({ [HOST]: { A: [LAB_CDN_ADDRESS] } });
  });
  after(() => dns.close());

  test("ends the series at once, reports what was sampled, exit 130", async () => {
    // Answers three requests, then holds the fourth without a byte: SIGINT arrives during it.
    const origin = await startSeriesOrigin({ answered: 3 });
    try {
      const args = [HOST, "--origin", "127.0.0.1", "--port", String(origin.port), "--scheme", "http"];
      const result = await runCli(
        [...args, "--dns-server", dns.address, "--repeat", "50", "--interval", "0", "--timeout", "30", "--json"],
        {
          limitMs: 25_000,
          onSpawn: (child) => {
            void origin.requestArrived(4).then(() => child.kill("SIGINT"));
          },
        },
      );
      await origin.allClosed();
      assert.equal(result.killedAfterLimit, false);
      assert.equal(result.code, 130, result.stderr);
      const doc = parseReport(result.stdout);
      assert.equal(doc.exitCode, 130);
      assert.equal(doc.complete, false);
      assert.equal(doc.series?.ended, "interrupted");
      assert.deepEqual(doc.series?.legs.origin?.outcomes, { ok: 3, warning: 0, error: 0, interrupted: 1 });
      assert.equal(origin.requests(), 4, "no sample started after Ctrl-C");
    } finally {
      await origin.close();
    }
  });
});
