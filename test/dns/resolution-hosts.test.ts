/**
 * The hosts-file fallback needs "the system's DNS servers" and "the system's hosts file" to be
 * ones the test controls: inside a network namespace, `ip netns exec` mounts
 * /etc/netns/<ns>/{hosts,resolv.conf} over /etc, and the namespace has only its own lo.
 * The child runs without the loopback guard, because the guard refuses getaddrinfo for any name
 * but localhost; the namespace has no route off the machine, which is the stronger guarantee.
 * The child runs the resolution step as diagnose() does (startResolution, originGate,
 * checkResolution, the report's dns phase) and prints what came out as JSON.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import type { Finding } from "../../src/findings/catalogue.js";
import type { Resolution } from "../../src/report/schema.js";
import type { OriginGate } from "../../src/resolve/origin-gate.js";
import type { ResolutionObservation } from "../../src/resolve/resolve.js";
import { createNetns, type Netns, netnsAvailable, runInNetns, writeNetnsEtc } from "../support/netns.js";
import { repoRoot } from "../support/paths.js";

const RESOLVE_INSIDE = `
const [root, hostname, servers] = process.argv.slice(1);
const load = (path) => import(new URL(path, root).href);
const { startResolution } = await load("dist/src/resolve/resolve.js");
const { originGate } = await load("dist/src/resolve/origin-gate.js");
const { checkResolution, isProxied } = await load("dist/src/checks/resolution.js");
const { resolutionReport } = await load("dist/src/report/resolution-report.js");
const options = { dnsServers: servers ? servers.split(",") : [], deadlineMs: 2000 };
const resolution = startResolution(hostname, null, options, AbortSignal.timeout(10000));
const gate = originGate(await resolution.target, false);
const observation = await resolution.done;
const findings = checkResolution(observation, gate.address);
const report = resolutionReport(observation, gate.address, findings, isProxied(observation.hostname));
console.log(JSON.stringify({ observation, gate, findings, report }));
`;

interface Inside {
  readonly observation: ResolutionObservation;
  readonly gate: OriginGate;
  readonly findings: Finding[];
  readonly report: Resolution;
}

describe("resolution falls back to the hosts file as curl would", () => {
  let skipReason: string | null = null;
  let netns: Netns | null = null;
  const root = pathToFileURL(join(repoRoot, "/")).href;

  before(async () => {
    skipReason = await netnsAvailable();
    if (skipReason !== null) return;
    netns = await createNetns();
    await writeNetnsEtc(netns.name, "hosts", "127.0.0.1 localhost\n127.0.0.1 only-in-hosts.test\n");
    // Nothing listens on port 53 inside the namespace: the DNS servers refuse.
    await writeNetnsEtc(netns.name, "resolv.conf", "nameserver 127.0.0.1\n");
  });
  after(() => netns?.remove());

  async function resolveInside(hostname: string, servers = ""): Promise<Inside> {
    assert.ok(netns);
    const args = ["--input-type=module", "-e", RESOLVE_INSIDE, root, hostname, servers];
    const run = await runInNetns(netns.name, args, { timeoutMs: 30_000 });
    assert.equal(run.exitCode, 0, run.stderr);
    return JSON.parse(run.stdout) as Inside;
  }

  const find = (inside: Inside, code: string) => inside.findings.find((f) => f.code === code);

  test("a name only the hosts file knows resolves, and the evidence says how", async (t) => {
    if (netns === null) return t.skip(skipReason ?? "no namespace");
    const inside = await resolveInside("only-in-hosts.test");
    assert.deepEqual(inside.gate, { address: "127.0.0.1", blockedBy: null });
    assert.equal(inside.report.facts?.address, "127.0.0.1");
    assert.deepEqual(inside.observation.resolvers, ["127.0.0.1"]);
    assert.equal(inside.observation.hostname.source, "getaddrinfo");
    assert.equal(find(inside, "origin.from_hostname")?.evidence.source, "getaddrinfo");
    assert.match(inside.report.summary, /system resolver/);
  });

  test("a name nobody knows: unresolvable, and both were asked", async (t) => {
    if (netns === null) return t.skip(skipReason ?? "no namespace");
    const inside = await resolveInside("nowhere.test");
    assert.equal(inside.gate.address, null);
    const unresolvable = find(inside, "dns.unresolvable");
    assert.equal(unresolvable?.evidence.outcome, "refused");
    assert.equal(unresolvable?.evidence.systemLookupTried, true);
    assert.match(unresolvable?.detail ?? "", /hosts file/);
  });

  test("with --dns-server the hosts file is not consulted", async (t) => {
    if (netns === null) return t.skip(skipReason ?? "no namespace");
    const inside = await resolveInside("only-in-hosts.test", "127.0.0.1:53");
    assert.equal(inside.gate.address, null);
    assert.equal(find(inside, "dns.unresolvable")?.evidence.systemLookupTried, false);
  });
});
