/**
 * The sampler against real origins on loopback (the lab's pattern origins, which count what they
 * did, and a few scripted ones), in-process: what the series reports is compared with what the
 * origin really did. The command line is parsed as the binary parses it.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parseCommandLine } from "../../src/cli/command-line.js";
import { exitCodeFor } from "../../src/cli/exit-code.js";
import type { Diagnosis } from "../../src/diagnose.js";
import { type DnsServer, startDnsServer } from "../../src/lab/dns-server.js";
import { LAB_CDN_ADDRESS } from "../../src/lab/lab-origins.js";
import { type PatternCounts, type PatternServer, startPatternServer } from "../../src/lab/patterns/pattern-server.js";
import { BAD_MEMBER, MEMBER_HOSTS, PATTERNS, SLOWING_DELAYS_MS } from "../../src/lab/patterns/patterns.js";
import type { LegSeries } from "../../src/report/series-schema.js";
import { diagnoseSeries } from "../../src/series/diagnose-series.js";
import { assertValidReport } from "../support/valid-report.js";
import { startSeriesOrigin } from "./series-origins.js";

const HOST = "sampled.lab.diag520.test";
const POOL = "pool.sampled.lab.diag520.test";

let dns: DnsServer;
before(async () => {
  dns = await startDnsServer({ [HOST]: { A: [LAB_CDN_ADDRESS] }, [POOL]: { A: [...MEMBER_HOSTS] } });
});
after(() => dns.close());

/** Diagnoses as `diag520 <HOST> --origin <origin> --port <port> --scheme http <args>` would, in-process. */
async function sample(
  port: number,
  args: readonly string[],
  extra: { origin?: string; signal?: AbortSignal } = {},
): Promise<Diagnosis> {
  const argv = [HOST, "--origin", extra.origin ?? "127.0.0.1", "--port", String(port), "--scheme", "http"];
  const command = await parseCommandLine([...argv, "--dns-server", dns.address, ...args], {});
  assert.ok(command.kind === "diagnose" && command.series !== null);
  const options = extra.signal ? { ...command.options, signal: extra.signal } : command.options;
  const diagnosis = await diagnoseSeries(command.request, options, command.series);
  assertValidReport(diagnosis.report);
  return diagnosis;
}

function originLeg(diagnosis: Diagnosis): LegSeries {
  const leg = diagnosis.report.series?.legs.origin;
  assert.ok(leg !== undefined, "the origin leg was sampled");
  return leg;
}

/** What the origin did between two snapshots of its counters. */
function delta(before: PatternCounts, after: PatternCounts) {
  return { requests: after.requests - before.requests, failures: after.failures - before.failures };
}

describe("pattern origins: the series counts what the origin did", () => {
  let servers: PatternServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });
  const start = async (name: keyof typeof PATTERNS) => {
    const server = await startPatternServer(PATTERNS[name]);
    servers.push(server);
    return server;
  };

  test("one in four, 12 samples: 3 empty replies, every fourth, exit 1", async () => {
    const origin = await start("one-in-four");
    const before = origin.counts();
    const diagnosis = await sample(origin.port, ["--repeat", "12", "--interval", "0"]);
    const done = delta(before, origin.counts());
    const leg = originLeg(diagnosis);
    assert.deepEqual(done, { requests: 12, failures: 3 });
    assert.equal(leg.counted, done.requests);
    assert.equal(leg.outcomes.error, done.failures);
    assert.equal(leg.errorRate, done.failures / done.requests);
    assert.deepEqual(
      leg.codes.map((c) => [c.code, c.count]),
      [["http.empty_reply", 3]],
    );
    assert.equal(leg.records.map((r) => (r.outcome === "error" ? "x" : ".")).join(""), "...x...x...x");
    const codes = diagnosis.report.findings.map((f) => f.code);
    assert.ok(codes.includes("series.periodic"), codes.join(", "));
    assert.equal(diagnosis.report.series?.ended, "count");
    assert.equal(exitCodeFor([diagnosis.report]), 1);
  });

  test("bursts, 20 samples, 4 in flight: the counts still match, the records stay in start order", async () => {
    const origin = await start("bursts");
    const before = origin.counts();
    const diagnosis = await sample(origin.port, ["--repeat", "20", "--interval", "0", "--concurrency", "4"]);
    const done = delta(before, origin.counts());
    const leg = originLeg(diagnosis);
    assert.equal(done.requests, 20);
    assert.equal(leg.counted, 20);
    assert.equal(leg.outcomes.error, done.failures, "every reset the origin dealt is an error sample");
    assert.equal(leg.codes.find((c) => c.code === "http.connection_reset")?.count, done.failures);
    assert.deepEqual(
      leg.records.map((r) => r.n),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    assert.deepEqual(diagnosis.report.series?.plan, {
      repeat: 20,
      forMs: null,
      intervalMs: 0,
      concurrency: 4,
      tolerate: 0,
    });
  });

  test("one bad member of four: round-robin, each address counted apart, the failing one shown", async () => {
    const origin = await start("one-bad-member");
    const before = origin.counts();
    const diagnosis = await sample(origin.port, ["--repeat", "12", "--interval", "0"], { origin: POOL });
    const after = origin.counts();
    const leg = originLeg(diagnosis);
    assert.deepEqual(leg.addresses, MEMBER_HOSTS);
    for (const host of MEMBER_HOSTS) {
      const theirs = after.byAddress[host];
      const seen = leg.byAddress.find((a) => a.address === host);
      assert.equal(seen?.counted, (theirs?.requests ?? 0) - (before.byAddress[host]?.requests ?? 0), host);
      assert.equal(seen?.error, (theirs?.failures ?? 0) - (before.byAddress[host]?.failures ?? 0), host);
      assert.equal(seen?.counted, 3, `${host}: 12 samples over 4 addresses, 3 each`);
    }
    const address = diagnosis.report.findings.find((f) => f.code === "series.address_fails");
    assert.deepEqual(address?.evidence.addresses, [BAD_MEMBER]);
    assert.equal(leg.exemplar?.address, BAD_MEMBER);
    assert.equal(diagnosis.report.target.address, BAD_MEMBER, "the report shows the failing member");
    assert.match(diagnosis.report.reproduce.curl, new RegExp(`http://${BAD_MEMBER.replaceAll(".", "\\.")}:`));
    assert.equal(diagnosis.report.causes[0]?.id, "one_member_failing");
    assert.match(diagnosis.report.verdict.summary, /all at 127\.0\.0\.4 \(1 of 4 addresses\)$/);
  });

  test("slower and slower: the origin's own delays show in the answered samples' latency", async () => {
    const origin = await start("slower-and-slower");
    const before = origin.counts();
    const diagnosis = await sample(origin.port, ["--repeat", "12", "--interval", "0"]);
    const done = delta(before, origin.counts());
    const leg = originLeg(diagnosis);
    assert.deepEqual(done, { requests: 12, failures: 6 });
    assert.equal(leg.outcomes.error, 6);
    // The origin waits that long before answering: a floor, not a timing assertion.
    const slowest = Math.max(...SLOWING_DELAYS_MS);
    assert.ok((leg.phases.total.ok.max ?? 0) >= slowest, `max ${leg.phases.total.ok.max} ms`);
    assert.ok((leg.beforeFailure.total.p50 ?? 0) >= (SLOWING_DELAYS_MS.at(-2) ?? 0));
  });
});

describe("the schedule", () => {
  test("--interval counts from the start of one sample to the start of the next", async () => {
    const origin = await startSeriesOrigin();
    try {
      const diagnosis = await sample(origin.port, ["--repeat", "4", "--interval", "0.04"]);
      const starts = originLeg(diagnosis).records.map((r) => r.atMs);
      assert.equal(starts.length, 4);
      // Never before its time (the floor is the schedule itself, not a guess about this machine).
      for (const [i, at] of starts.entries()) assert.ok(at >= i * 40, `sample ${i + 1} started at ${at} ms`);
      assert.equal(origin.requests(), 4);
    } finally {
      await origin.close();
    }
  });

  test("--for bounds the starts: no sample starts after it", async () => {
    const origin = await startSeriesOrigin();
    try {
      const diagnosis = await sample(origin.port, ["--for", "250ms", "--interval", "0.1"]);
      const leg = originLeg(diagnosis);
      assert.ok(leg.samples >= 1 && leg.samples <= 3, `${leg.samples} samples`);
      assert.ok(leg.records.every((r) => r.atMs < 250));
      assert.equal(diagnosis.report.series?.ended, "duration");
      assert.equal(origin.requests(), leg.samples);
      assert.equal(diagnosis.report.complete, true, "a duration reached is not an interruption");
    } finally {
      await origin.close();
    }
  });

  test("--concurrency K: never more than K requests at the origin at once", async () => {
    const origin = await startSeriesOrigin({ delayMs: 20 });
    try {
      const diagnosis = await sample(origin.port, ["--repeat", "12", "--interval", "0", "--concurrency", "3"]);
      assert.equal(origin.requests(), 12);
      assert.ok(origin.maxInFlight() <= 3, `${origin.maxInFlight()} at once`);
      assert.equal(originLeg(diagnosis).counted, 12);
    } finally {
      await origin.close();
    }
  });
});

describe("stopping in the middle", () => {
  test("Ctrl-C during the 4th sample: 3 counted, 1 interrupted, the socket closed, exit 130", async () => {
    const origin = await startSeriesOrigin({ answered: 3 });
    const controller = new AbortController();
    try {
      void origin.requestArrived(4).then(() => controller.abort());
      const diagnosis = await sample(origin.port, ["--repeat", "10", "--interval", "0", "--timeout", "30"], {
        signal: controller.signal,
      });
      await origin.allClosed();
      const { report } = diagnosis;
      const leg = originLeg(diagnosis);
      assert.deepEqual(leg.outcomes, { ok: 3, warning: 0, error: 0, interrupted: 1 });
      assert.equal(leg.samples, 4, "nothing starts after Ctrl-C");
      assert.equal(leg.records.at(-1)?.outcome, "interrupted");
      assert.deepEqual(leg.records.at(-1)?.codes, [], "a cut sample says nothing about the origin");
      assert.equal(report.series?.ended, "interrupted");
      assert.equal(report.complete, false);
      assert.deepEqual(report.interruption, { kind: "cancelled", ms: null });
      assert.equal(leg.exemplar?.sample, 3, "the report shows the last sample that ended");
      assert.equal(exitCodeFor([report]), 130);
      assert.equal(origin.requests(), 4);
    } finally {
      await origin.close();
    }
  });

  test("--max-time ends the series: what was sampled stands, the sample in flight is not counted", async () => {
    const origin = await startSeriesOrigin({ answered: 2 });
    try {
      const diagnosis = await sample(origin.port, ["--repeat", "10", "--interval", "0", "--max-time", "0.5"]);
      const { report } = diagnosis;
      const leg = originLeg(diagnosis);
      assert.deepEqual(leg.outcomes, { ok: 2, warning: 0, error: 0, interrupted: 1 });
      assert.equal(report.series?.ended, "run_deadline");
      assert.deepEqual(report.interruption, { kind: "run_deadline", ms: 500 });
      assert.ok(
        !report.findings.some((f) => f.code === "http.response_timeout"),
        "the run's deadline is not the origin's",
      );
    } finally {
      await origin.close();
    }
  });

  test("no address: nothing sampled, the resolution decides", async () => {
    const diagnosis = await sample(1, ["--repeat", "5"], { origin: "missing.sampled.lab.diag520.test" });
    const { report } = diagnosis;
    assert.equal(report.series?.ended, "not_started");
    assert.deepEqual(report.series?.legs, {});
    assert.equal(report.verdict.decidingFinding?.code, "origin.unresolvable");
    assert.equal(exitCodeFor([report]), 1);
  });
});
