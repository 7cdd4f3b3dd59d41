/**
 * The hosts-file fallback needs "the system's DNS servers" and "the system's hosts file" to be
 * ones the test controls: inside a network namespace, `ip netns exec` mounts
 * /etc/netns/<ns>/{hosts,resolv.conf} over /etc, and the namespace has only its own lo.
 * The child runs without the loopback guard, because the guard refuses getaddrinfo for any name
 * but localhost; the namespace has no route off the machine, which is the stronger guarantee.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import type { ProbeResult } from "../../src/probes/probe.js";
import { createNetns, type Netns, netnsAvailable, runInNetns, writeNetnsEtc } from "../support/netns.js";
import { repoRoot } from "../support/paths.js";

const RUN_PROBE = `
const [probeUrl, hostname, servers] = process.argv.slice(1);
const { dnsProbe } = await import(probeUrl);
const state = {
  request: { hostname, displayHostname: hostname, origin: null, scheme: "https", port: 443, path: "/", method: "GET", headers: [], userAgent: "t" },
  options: { timeoutMs: 2000, maxTimeMs: null, maxHeaderSize: 8192, maxBodyBytes: 1048576, extraCaPem: [], dnsServers: servers ? servers.split(",") : [] },
  facts: {}, socket: null, responseBody: null,
};
console.log(JSON.stringify(await dnsProbe.run(state, AbortSignal.timeout(10000))));
`;

describe("the DNS probe falls back to the hosts file as curl would", () => {
  let skipReason: string | null = null;
  let netns: Netns | null = null;
  const probeUrl = pathToFileURL(join(repoRoot, "dist/src/probes/dns.js")).href;

  before(async () => {
    skipReason = await netnsAvailable();
    if (skipReason !== null) return;
    netns = await createNetns();
    await writeNetnsEtc(netns.name, "hosts", "127.0.0.1 localhost\n127.0.0.1 only-in-hosts.test\n");
    // Nothing listens on port 53 inside the namespace: the DNS servers refuse.
    await writeNetnsEtc(netns.name, "resolv.conf", "nameserver 127.0.0.1\n");
  });
  after(() => netns?.remove());

  async function probeInside(hostname: string, servers = ""): Promise<ProbeResult<"dns">> {
    assert.ok(netns);
    const args = ["--input-type=module", "-e", RUN_PROBE, probeUrl, hostname, servers];
    const run = await runInNetns(netns.name, args, { timeoutMs: 30_000 });
    assert.equal(run.exitCode, 0, run.stderr);
    return JSON.parse(run.stdout) as ProbeResult<"dns">;
  }

  test("a name only the hosts file knows resolves, and the evidence says how", async (t) => {
    if (netns === null) return t.skip(skipReason ?? "no namespace");
    const result = await probeInside("only-in-hosts.test");
    assert.equal(result.ok, true);
    assert.equal(result.facts.address, "127.0.0.1");
    assert.deepEqual(result.facts.resolvers, ["127.0.0.1"]);
    const fromHostname = result.findings.find((f) => f.code === "origin.from_hostname");
    assert.equal(fromHostname?.evidence.source, "getaddrinfo");
    assert.match(result.summary, /system resolver/);
  });

  test("a name nobody knows: unresolvable, and both were asked", async (t) => {
    if (netns === null) return t.skip(skipReason ?? "no namespace");
    const result = await probeInside("nowhere.test");
    assert.equal(result.ok, false);
    const unresolvable = result.findings.find((f) => f.code === "dns.unresolvable");
    assert.equal(unresolvable?.evidence.outcome, "refused");
    assert.equal(unresolvable?.evidence.systemLookupTried, true);
    assert.match(unresolvable?.detail ?? "", /hosts file/);
  });

  test("with --dns-server the hosts file is not consulted", async (t) => {
    if (netns === null) return t.skip(skipReason ?? "no namespace");
    const result = await probeInside("only-in-hosts.test", "127.0.0.1:53");
    assert.equal(result.ok, false);
    assert.equal(result.findings.find((f) => f.code === "dns.unresolvable")?.evidence.systemLookupTried, false);
  });
});
