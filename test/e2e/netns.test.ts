/**
 * The two lab faults that loopback alone cannot stage (the lab lists them as needing a
 * namespace): a connect that never gets a SYN-ACK (`tcp.timeout`, the CDN's 522) and an origin
 * with no route to it (`tcp.unreachable`, 523). The real binary runs inside a network
 * namespace of its own, where iptables drops the SYNs and an `unreachable` route answers for
 * 198.18.0.1 (test/support/netns.ts); the namespace has only its own `lo`, so nothing leaves it.
 * Skipped, with the reason, where namespaces cannot be made (not root, no iproute2/iptables).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { outputDocumentSchema, type ReportDocument as Report } from "../../src/report/schema.js";
import {
  addBlackholeRoute,
  createNetns,
  dropSynsTo,
  type Netns,
  netnsAvailable,
  runInNetns,
  UNREACHABLE_ADDRESS,
} from "../support/netns.js";
import { guardPath } from "../support/paths.js";
import { phaseOf, phasesOf } from "../support/report-phases.js";
import { CLI_PATH, cleanEnv } from "../support/run-cli.js";

/** Any port will do: no server is needed where no SYN gets through. */
const DROPPED_PORT = 8443;
/** Nothing listens here inside the namespace: DNS fails at once (a warning, since --origin is given). */
const NO_DNS_SERVER = "127.0.0.1:53";
/** Generous: the connect timeout is 1 s, and a loaded 2-core machine may add start-up time. */
const FINISHED_WITHIN_MS = 15_000;

interface NetnsDiagnosis {
  readonly exitCode: number | null;
  readonly report: Report;
  readonly stderr: string;
  readonly elapsedMs: number;
}

describe("faults staged in a network namespace, diagnosed by the real binary", () => {
  let skipReason: string | null = null;
  let netns: Netns | null = null;

  before(async () => {
    skipReason = await netnsAvailable();
    if (skipReason !== null) return;
    netns = await createNetns();
    await dropSynsTo(netns.name, DROPPED_PORT);
    await addBlackholeRoute(netns.name);
  });
  after(() => netns?.remove());

  async function diagnoseInside(name: string, args: readonly string[]): Promise<NetnsDiagnosis> {
    const started = performance.now();
    const run = await runInNetns(name, ["--import", guardPath, CLI_PATH, ...args, "--json"], {
      // The guard lets the binary try the benchmarking address: the namespace keeps it local.
      env: cleanEnv({ DIAG520_TEST_ALLOWED_ADDRESSES: UNREACHABLE_ADDRESS }),
      timeoutMs: 30_000,
    });
    const elapsedMs = performance.now() - started;
    assert.equal(run.timedOut, false, "the run ended by itself");
    const doc = outputDocumentSchema.parse(JSON.parse(run.stdout));
    assert.ok(doc.kind === "report", run.stdout);
    return { exitCode: run.exitCode, report: doc, stderr: run.stderr, elapsedMs };
  }

  function errorFindings(report: Report): ReadonlyArray<Report["findings"][number]> {
    return report.findings.filter((finding) => finding.severity === "error");
  }

  test("SYNs dropped, a 1 s deadline: tcp.timeout, no 522 claimed, exit 1", async (t) => {
    if (netns === null) return t.skip(skipReason ?? "no namespace");
    const result = await diagnoseInside(netns.name, [
      "tcp-timeout.lab.diag520.test",
      "--origin",
      "127.0.0.1",
      "--port",
      String(DROPPED_PORT),
      "--scheme",
      "http",
      "--dns-server",
      NO_DNS_SERVER,
      "--timeout",
      "1",
    ]);
    assert.equal(result.exitCode, 1, result.stderr);
    assert.ok(result.elapsedMs < FINISHED_WITHIN_MS, `took ${Math.round(result.elapsedMs)} ms`);
    const errors = errorFindings(result.report);
    assert.deepEqual(
      errors.map((finding) => finding.code),
      ["tcp.timeout"],
    );
    // A 1 s deadline, far under the edge's 19 s: an error for the deadline set, no 522 claimed.
    assert.equal(errors[0]?.edgeStatus, null);
    assert.equal(result.report.verdict.edgeStatus, null);
    assert.match(result.report.verdict.summary, /within 1 s \(the edge waits 19 s\)/);
    assert.equal(result.report.complete, true, "a connect timeout is a finding, not an interruption");
    const statuses = phasesOf(result.report).map((phase) => `${phase.name}:${phase.status}`);
    assert.deepEqual(statuses, ["dns:passed", "tcp:failed", "tls:skipped", "http:skipped"]);
  });

  test("no route to the origin: tcp.unreachable, the CDN would answer 523, exit 1", async (t) => {
    if (netns === null) return t.skip(skipReason ?? "no namespace");
    const result = await diagnoseInside(netns.name, [
      "tcp-unreachable.lab.diag520.test",
      "--origin",
      UNREACHABLE_ADDRESS,
      "--scheme",
      "http",
      "--dns-server",
      NO_DNS_SERVER,
      "--timeout",
      "5",
    ]);
    assert.equal(result.exitCode, 1, result.stderr);
    assert.ok(result.elapsedMs < FINISHED_WITHIN_MS, `took ${Math.round(result.elapsedMs)} ms`);
    const errors = errorFindings(result.report);
    assert.deepEqual(
      errors.map((finding) => finding.code),
      ["tcp.unreachable"],
    );
    assert.equal(errors[0]?.edgeStatus, 523);
    assert.equal(result.report.verdict.edgeStatus, 523);
    const tcp = phaseOf(result.report, "tcp");
    assert.equal(tcp?.status, "failed");
  });
});
