/**
 * Resolution against the lab's loopback DNS server, as diagnose() runs it: startResolution
 * (facts), originGate (may the origin leg connect, and where), checkResolution (findings), and
 * the report's "dns" phase (facts and summary).
 */
import "../support/loopback-guard.js";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { after, before, describe, test } from "node:test";
import { checkResolution, isProxied } from "../../src/checks/resolution.js";
import { DeadlineExceeded } from "../../src/deadline.js";
import type { Finding, FindingCode } from "../../src/findings/catalogue.js";
import { type DnsServer, startDnsServer } from "../../src/lab/dns-server.js";
import { resolutionReport } from "../../src/report/resolution-report.js";
import type { Resolution } from "../../src/report/schema.js";
import { type OriginGate, originGate } from "../../src/resolve/origin-gate.js";
import { type NameAnswer, type ResolutionObservation, startResolution } from "../../src/resolve/resolve.js";

const ZONE = {
  "proxied.test": { A: ["104.16.0.1"], AAAA: ["2606:4700::1"] },
  "www.proxied.test": { CNAME: "proxied.test" },
  "direct.test": { A: ["198.51.100.1", "198.51.100.2"], AAAA: ["2001:db8::1"] },
  "v6only.test": { AAAA: ["2001:db8::6"] },
  "no-address.test": {},
  "origin.test": { A: ["192.0.2.50"], AAAA: ["2001:db8::50"] },
  "v6origin.test": { AAAA: ["2001:db8::60"] },
  "cdn-origin.test": { A: ["192.0.2.51", "172.64.1.1"] },
};

interface Resolved {
  readonly observation: ResolutionObservation;
  readonly target: NameAnswer;
  readonly gate: OriginGate;
  readonly findings: Finding[];
  readonly report: Resolution;
}

interface ResolveParts {
  readonly hostname: string;
  readonly origin?: string | null;
  readonly dnsServers: readonly string[];
  readonly deadlineMs?: number;
}

/** What diagnose() does before the legs, step by step. */
async function resolve(parts: ResolveParts, runSignal = AbortSignal.timeout(10_000)): Promise<Resolved> {
  const origin = parts.origin ?? null;
  const resolution = startResolution(
    parts.hostname,
    origin,
    { dnsServers: parts.dnsServers, deadlineMs: parts.deadlineMs ?? 5_000 },
    runSignal,
  );
  const target = await resolution.target;
  const gate = originGate(target, origin !== null);
  const observation = await resolution.done;
  const findings = checkResolution(observation, gate.address);
  const report = resolutionReport(observation, gate.address, findings, isProxied(observation.hostname));
  return { observation, target, gate, findings, report };
}

/** The origin leg may run: an address, and nothing blocks it. */
function legMayRun(resolved: Resolved): boolean {
  return resolved.gate.address !== null && resolved.gate.blockedBy === null;
}

function only(findings: readonly Finding[], code: FindingCode): Finding {
  const matching = findings.filter((f) => f.code === code);
  assert.equal(matching.length, 1, `exactly one ${code} in ${findings.map((f) => f.code).join(", ")}`);
  return matching[0] as Finding;
}

/** Every resolution finding is about the resolution step: no leg, phase "dns". */
function codes(findings: readonly Finding[]): string[] {
  for (const f of findings) assert.deepEqual([f.leg, f.phase], [null, "dns"], f.code);
  return findings.map((f) => `${f.code}:${f.severity}`);
}

describe("resolution against a loopback DNS server", () => {
  let server: DnsServer;
  const resolveHere = (parts: Omit<ResolveParts, "dnsServers">, signal?: AbortSignal) =>
    resolve({ ...parts, dnsServers: [server.address] }, signal);

  before(async () => {
    server = await startDnsServer(ZONE);
  });
  after(() => server.close());

  test("a proxied hostname without --origin: the edge's address is never diagnosed as the origin", async () => {
    const resolved = await resolveHere({ hostname: "proxied.test" });
    assert.equal(legMayRun(resolved), false);
    assert.deepEqual(codes(resolved.findings), ["dns.proxied:info", "origin.is_cdn_address:info"]);
    assert.equal(only(resolved.findings, "origin.is_cdn_address").edgeStatus, null);
    assert.match(only(resolved.findings, "origin.is_cdn_address").detail, /--origin/);
    assert.deepEqual(resolved.report.facts, {
      hostname: "proxied.test",
      resolvers: [server.address],
      hostnameAddresses: ["104.16.0.1", "2606:4700::1"],
      hostnameCnames: [],
      hostnameProxied: true,
      origin: null,
      originAddresses: [],
      address: "104.16.0.1",
    });
    assert.deepEqual(only(resolved.findings, "dns.proxied").evidence.cdnRanges, ["104.16.0.0/13", "2606:4700::/32"]);
    assert.equal(resolved.observation.stop, null);
  });

  test("a CNAME to a proxied name is proxied, and the CNAME is recorded", async () => {
    const resolved = await resolveHere({ hostname: "www.proxied.test", origin: "192.0.2.50" });
    assert.equal(resolved.report.facts?.hostnameProxied, true);
    assert.deepEqual(resolved.observation.hostname.cnames, ["proxied.test"]);
    assert.deepEqual(resolved.report.facts?.hostnameCnames, ["proxied.test"]);
    assert.deepEqual(codes(resolved.findings), ["dns.proxied:info"]);
  });

  test("a hostname outside the CDN: not proxied; picks the first IPv4 and says how many others", async () => {
    const resolved = await resolveHere({ hostname: "direct.test" });
    assert.equal(legMayRun(resolved), true);
    assert.deepEqual(codes(resolved.findings), ["dns.not_proxied:info", "origin.from_hostname:info"]);
    assert.equal(resolved.report.facts?.hostnameProxied, false);
    assert.equal(resolved.gate.address, "198.51.100.1");
    assert.equal(resolved.report.facts?.address, "198.51.100.1");
    assert.match(resolved.report.summary, /198\.51\.100\.1 \(IPv4; 2 other addresses\)/);
    assert.match(only(resolved.findings, "dns.not_proxied").detail, /52x/);
    assert.equal(only(resolved.findings, "origin.from_hostname").evidence.address, "198.51.100.1");
  });

  test("IPv6 only: picks the IPv6 address", async () => {
    const resolved = await resolveHere({ hostname: "v6only.test" });
    assert.equal(resolved.gate.address, "2001:db8::6");
    assert.match(resolved.report.summary, /2001:db8::6 \(IPv6\)/);
  });

  test("NXDOMAIN without --origin: an error, nothing left to diagnose", async () => {
    const resolved = await resolveHere({ hostname: "missing.test" });
    assert.equal(legMayRun(resolved), false);
    assert.match(resolved.gate.blockedBy ?? "", /the hostname does not resolve/);
    assert.deepEqual(codes(resolved.findings), ["dns.unresolvable:error"]);
    const unresolvable = only(resolved.findings, "dns.unresolvable");
    assert.deepEqual(unresolvable.evidence, {
      name: "missing.test",
      outcome: "NXDOMAIN",
      errorCode: "ENOTFOUND",
      systemLookupTried: false,
    });
    assert.match(unresolvable.detail, /--origin/);
    assert.equal(resolved.report.facts?.address, null);
    assert.equal(resolved.report.facts?.hostnameProxied, null);
    assert.equal(resolved.report.status, "failed");
    assert.match(resolved.report.summary, /missing\.test does not resolve \(NXDOMAIN\)/);
  });

  test("NXDOMAIN with --origin: a warning, and the origin is still diagnosed", async () => {
    const resolved = await resolveHere({ hostname: "missing.test", origin: "127.0.0.1" });
    assert.equal(legMayRun(resolved), true);
    assert.deepEqual(codes(resolved.findings), ["dns.unresolvable:warning"]);
    assert.equal(resolved.gate.address, "127.0.0.1");
    assert.deepEqual(resolved.report.facts?.originAddresses, ["127.0.0.1"]);
    assert.equal(resolved.report.status, "passed");
  });

  test("NODATA (a name without A or AAAA) is told apart from NXDOMAIN", async () => {
    const resolved = await resolveHere({ hostname: "no-address.test" });
    assert.equal(legMayRun(resolved), false);
    assert.equal(only(resolved.findings, "dns.unresolvable").evidence.outcome, "NODATA");
    assert.equal(only(resolved.findings, "dns.unresolvable").evidence.errorCode, "ENODATA");
  });

  test("--origin as a name: resolved, IPv4 first", async () => {
    const resolved = await resolveHere({ hostname: "proxied.test", origin: "origin.test" });
    assert.equal(legMayRun(resolved), true);
    assert.deepEqual(codes(resolved.findings), ["dns.proxied:info"]);
    assert.deepEqual(resolved.target.addresses, ["192.0.2.50", "2001:db8::50"]);
    assert.deepEqual(resolved.report.facts?.originAddresses, ["192.0.2.50", "2001:db8::50"]);
    assert.equal(resolved.gate.address, "192.0.2.50");
    assert.equal(resolved.report.facts?.origin, "origin.test");
    assert.match(resolved.report.summary, /192\.0\.2\.50 \(IPv4; 1 other address\) from --origin/);
  });

  test("--origin as a name with only AAAA", async () => {
    const resolved = await resolveHere({ hostname: "proxied.test", origin: "v6origin.test" });
    assert.equal(resolved.gate.address, "2001:db8::60");
  });

  test("--origin as a name that does not resolve: 530, origin DNS error", async () => {
    const resolved = await resolveHere({ hostname: "proxied.test", origin: "missing-origin.test" });
    assert.equal(legMayRun(resolved), false);
    assert.match(resolved.gate.blockedBy ?? "", /the origin name does not resolve/);
    const unresolvable = only(resolved.findings, "origin.unresolvable");
    assert.equal(unresolvable.severity, "error");
    assert.equal(unresolvable.edgeStatus, 530);
    assert.equal(unresolvable.evidence.outcome, "NXDOMAIN");
    assert.match(unresolvable.detail, /1016/);
    assert.equal(resolved.report.facts?.address, null);
  });

  test("--origin inside the CDN's ranges: an error (520), by IP or by name, and the leg is blocked", async () => {
    const cases = [
      ["104.16.0.9", "104.16.0.0/13"],
      ["::ffff:104.16.0.9", "104.16.0.0/13"],
      ["2606:4700::9", "2606:4700::/32"],
      ["cdn-origin.test", "172.64.0.0/13"],
    ] as const;
    for (const [origin, range] of cases) {
      const resolved = await resolveHere({ hostname: "direct.test", origin });
      // Nothing is connected to: the CDN's own address is never diagnosed as an origin.
      assert.equal(legMayRun(resolved), false, origin);
      assert.match(resolved.gate.blockedBy ?? "", /inside the CDN's own ranges/);
      const loop = only(resolved.findings, "origin.is_cdn_address");
      assert.equal(loop.severity, "error", origin);
      assert.equal(loop.edgeStatus, 520, origin);
      assert.deepEqual(loop.evidence.cdnRanges, [range]);
    }
    const byName = await resolveHere({ hostname: "direct.test", origin: "cdn-origin.test" });
    assert.deepEqual(only(byName.findings, "origin.is_cdn_address").evidence.cdnAddresses, ["172.64.1.1"]);
  });

  test("an IPv6 origin literal is used as is, brackets stripped and normalised", async () => {
    const resolved = await resolveHere({ hostname: "direct.test", origin: "[2001:DB8:0:0::1]" });
    assert.equal(resolved.gate.address, "2001:db8::1");
    assert.deepEqual(resolved.target, {
      name: "[2001:DB8:0:0::1]",
      addresses: ["2001:db8::1"],
      cnames: [],
      source: "literal",
      failure: null,
    });
    assert.deepEqual(resolved.report.facts?.originAddresses, ["2001:db8::1"]);
    assert.equal(resolved.report.facts?.origin, "[2001:DB8:0:0::1]");
  });

  test("an IP-literal hostname and origin ask no DNS server", async () => {
    const before = server.queries.length;
    const resolved = await resolveHere({ hostname: "127.0.0.1", origin: "::1" });
    assert.equal(server.queries.length, before);
    assert.deepEqual(resolved.observation.resolvers, []);
    assert.deepEqual(resolved.report.facts?.hostnameAddresses, ["127.0.0.1"]);
    assert.equal(resolved.gate.address, "::1");
    assert.deepEqual(codes(resolved.findings), ["dns.not_proxied:info"]);
  });

  test("localhost is answered from the hosts file, never asked of DNS (RFC 6761 §6.3)", async () => {
    const before = server.queries.length;
    const resolved = await resolveHere({ hostname: "localhost" });
    assert.equal(server.queries.length, before);
    assert.equal(legMayRun(resolved), true);
    assert.ok(resolved.observation.hostname.addresses.includes("127.0.0.1"));
    assert.equal(resolved.gate.address, "127.0.0.1");
    assert.equal(only(resolved.findings, "origin.from_hostname").evidence.source, "localhost");
  });

  test("an --origin literal is handed on at once, while the hostname's lookup is still going", async () => {
    // DESIGN.md: a lookup that only informs never delays a leg. A silent server holds the hostname.
    const silent = await startDnsServer(ZONE, { mode: "ignore" });
    const run = new AbortController();
    try {
      const resolution = startResolution(
        "direct.test",
        "127.0.0.1",
        { dnsServers: [silent.address], deadlineMs: 60_000 },
        run.signal,
      );
      const target = await resolution.target;
      assert.deepEqual(target.addresses, ["127.0.0.1"]);
      const state = await Promise.race([resolution.done.then(() => "done"), Promise.resolve("pending")]);
      assert.equal(state, "pending");
      run.abort();
      const observation = await resolution.done;
      assert.deepEqual(observation.stop, { kind: "cancelled" });
      assert.deepEqual(observation.hostname.addresses, []);
    } finally {
      await silent.close();
    }
  });

  test("a resolver that answers SERVFAIL or REFUSED, or is not listening", async () => {
    const closedPort = await freeUdpPort();
    const cases = [
      [{ mode: "servfail" } as const, "SERVFAIL", "ESERVFAIL"],
      [{ mode: "refused" } as const, "refused", "EREFUSED"],
    ] as const;
    for (const [options, outcome, errorCode] of cases) {
      const broken = await startDnsServer(ZONE, options);
      try {
        const resolved = await resolve({ hostname: "direct.test", dnsServers: [broken.address] });
        assert.equal(legMayRun(resolved), false);
        assert.equal(only(resolved.findings, "dns.unresolvable").evidence.outcome, outcome);
        assert.equal(only(resolved.findings, "dns.unresolvable").evidence.errorCode, errorCode);
      } finally {
        await broken.close();
      }
    }
    const resolved = await resolve({
      hostname: "direct.test",
      dnsServers: [`127.0.0.1:${closedPort}`],
      deadlineMs: 1_000,
    });
    assert.equal(legMayRun(resolved), false);
    // Linux reports the ICMP port-unreachable as ECONNREFUSED; c-ares may also just time out.
    assert.ok(
      ["refused", "timed out"].includes(String(only(resolved.findings, "dns.unresolvable").evidence.outcome)),
      JSON.stringify(resolved.findings),
    );
  });

  describe("a resolver that never answers", () => {
    let silent: Socket;
    let silentAddress: string;
    before(async () => {
      silent = createSocket("udp4");
      silent.on("message", () => {});
      await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", resolve));
      silentAddress = `127.0.0.1:${silent.address().port}`;
    });
    after(() => new Promise<void>((resolve) => silent.close(() => resolve())));

    test("the run deadline cancels the queries: unresolvable, timed out, the stop recorded", async () => {
      const run = new AbortController();
      // The silent server sees the query: only then does the run deadline fire, mid-lookup.
      const started = performance.now();
      silent.once("message", () => run.abort(new DeadlineExceeded("run", 300)));
      const resolved = await resolve(
        { hostname: "direct.test", dnsServers: [silentAddress], deadlineMs: 60_000 },
        run.signal,
      );
      assert.ok(performance.now() - started < 5_000, "returned promptly after the deadline");
      assert.equal(legMayRun(resolved), false);
      const unresolvable = only(resolved.findings, "dns.unresolvable");
      assert.equal(unresolvable.evidence.outcome, "timed out");
      assert.equal(unresolvable.evidence.errorCode, "ETIMEOUT");
      assert.match(resolved.report.summary, /timed out/);
      assert.deepEqual(resolved.observation.stop, { kind: "deadline", deadline: "run", ms: 300 });
    });

    test("the phase deadline or the resolver's own timeout: also 'timed out'", async () => {
      const resolved = await resolve(
        { hostname: "direct.test", origin: "origin.test", dnsServers: [silentAddress], deadlineMs: 300 },
        AbortSignal.timeout(30_000),
      );
      assert.equal(legMayRun(resolved), false);
      assert.equal(only(resolved.findings, "dns.unresolvable").severity, "warning");
      assert.equal(only(resolved.findings, "origin.unresolvable").evidence.errorCode, "ETIMEOUT");
      assert.equal(only(resolved.findings, "origin.unresolvable").evidence.outcome, "timed out");
      // c-ares gives up after about the phase deadline too (timeout/3, two tries): either may end it.
      const { stop } = resolved.observation;
      assert.ok(stop === null || (stop.kind === "deadline" && stop.deadline === "phase" && stop.ms === 300));
    });

    test("a run deadline that already passed returns at once", async () => {
      const run = new AbortController();
      run.abort(new DeadlineExceeded("run", 1));
      const before = performance.now();
      const resolved = await resolve({ hostname: "direct.test", dnsServers: [silentAddress] }, run.signal);
      assert.ok(performance.now() - before < 5_000);
      assert.equal(legMayRun(resolved), false);
      assert.equal(only(resolved.findings, "dns.unresolvable").evidence.outcome, "timed out");
    });
  });
});

function freeUdpPort(): Promise<number> {
  const socket = createSocket("udp4");
  return new Promise((resolve) =>
    socket.bind(0, "127.0.0.1", () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    }),
  );
}
