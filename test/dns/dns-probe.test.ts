import "../support/loopback-guard.js";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { after, before, describe, test } from "node:test";
import type { Finding, FindingCode } from "../../src/findings/catalogue.js";
import { type DnsServer, startDnsServer } from "../../src/lab/dns-server.js";
import type { DiagnoseOptions, DiagnoseRequest } from "../../src/options.js";
import { dnsProbe } from "../../src/probes/dns.js";
import type { PipelineState } from "../../src/probes/probe.js";
import { pipelineState } from "../support/pipeline-state.js";

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

function stateFor(
  request: Partial<DiagnoseRequest>,
  options: Partial<DiagnoseOptions> & Pick<DiagnoseOptions, "dnsServers">,
): PipelineState {
  return pipelineState({
    request: { hostname: "proxied.test", userAgent: "diag520-test", ...request },
    options: { timeoutMs: 5_000, ...options },
  });
}

function only(findings: readonly Finding[], code: FindingCode): Finding {
  const matching = findings.filter((f) => f.code === code);
  assert.equal(matching.length, 1, `exactly one ${code} in ${findings.map((f) => f.code).join(", ")}`);
  return matching[0] as Finding;
}

function codes(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.code}:${f.severity}`);
}

describe("the DNS probe", () => {
  let server: DnsServer;
  const probe = (request: Partial<DiagnoseRequest>, signal = AbortSignal.timeout(10_000)) =>
    dnsProbe.run(stateFor(request, { dnsServers: [server.address] }), signal);

  before(async () => {
    server = await startDnsServer(ZONE);
  });
  after(() => server.close());

  test("always applies", () => {
    assert.equal(dnsProbe.name, "dns");
    assert.equal(dnsProbe.notApplicable(stateFor({}, { dnsServers: [] })), null);
  });

  test("a proxied hostname without --origin: diagnoses the CDN's edge, and warns", async () => {
    const result = await probe({ hostname: "proxied.test" });
    assert.equal(result.ok, true);
    assert.deepEqual(codes(result.findings), [
      "dns.proxied:info",
      "origin.from_hostname:info",
      "origin.is_cdn_address:warning",
    ]);
    assert.equal(only(result.findings, "origin.is_cdn_address").edgeStatus, null);
    assert.match(only(result.findings, "origin.is_cdn_address").detail, /--origin/);
    assert.deepEqual(result.facts, {
      hostname: "proxied.test",
      resolvers: [server.address],
      hostnameAddresses: ["104.16.0.1", "2606:4700::1"],
      hostnameCnames: [],
      hostnameProxied: true,
      origin: null,
      originAddresses: [],
      address: "104.16.0.1",
    });
    assert.deepEqual(only(result.findings, "dns.proxied").evidence.cdnRanges, ["104.16.0.0/13", "2606:4700::/32"]);
  });

  test("a CNAME to a proxied name is proxied, and the CNAME is recorded", async () => {
    const result = await probe({ hostname: "www.proxied.test", origin: "192.0.2.50" });
    assert.equal(result.facts.hostnameProxied, true);
    assert.deepEqual(result.facts.hostnameCnames, ["proxied.test"]);
    assert.deepEqual(codes(result.findings), ["dns.proxied:info"]);
  });

  test("a hostname outside the CDN: not proxied; picks the first IPv4 and says how many others", async () => {
    const result = await probe({ hostname: "direct.test" });
    assert.equal(result.ok, true);
    assert.deepEqual(codes(result.findings), ["dns.not_proxied:info", "origin.from_hostname:info"]);
    assert.equal(result.facts.hostnameProxied, false);
    assert.equal(result.facts.address, "198.51.100.1");
    assert.match(result.summary, /198\.51\.100\.1 \(IPv4; 2 other addresses\)/);
    assert.match(only(result.findings, "dns.not_proxied").detail, /52x/);
    assert.equal(only(result.findings, "origin.from_hostname").evidence.address, "198.51.100.1");
  });

  test("IPv6 only: picks the IPv6 address", async () => {
    const result = await probe({ hostname: "v6only.test" });
    assert.equal(result.facts.address, "2001:db8::6");
    assert.match(result.summary, /2001:db8::6 \(IPv6\)/);
  });

  test("NXDOMAIN without --origin: an error, nothing left to diagnose", async () => {
    const result = await probe({ hostname: "missing.test" });
    assert.equal(result.ok, false);
    assert.deepEqual(codes(result.findings), ["dns.unresolvable:error"]);
    const unresolvable = only(result.findings, "dns.unresolvable");
    assert.deepEqual(unresolvable.evidence, {
      name: "missing.test",
      outcome: "NXDOMAIN",
      errorCode: "ENOTFOUND",
      systemLookupTried: false,
    });
    assert.match(unresolvable.detail, /--origin/);
    assert.equal(result.facts.address, null);
    assert.equal(result.facts.hostnameProxied, null);
    assert.match(result.summary, /missing\.test does not resolve \(NXDOMAIN\)/);
  });

  test("NXDOMAIN with --origin: a warning, and the origin is still diagnosed", async () => {
    const result = await probe({ hostname: "missing.test", origin: "127.0.0.1" });
    assert.equal(result.ok, true);
    assert.deepEqual(codes(result.findings), ["dns.unresolvable:warning"]);
    assert.equal(result.facts.address, "127.0.0.1");
    assert.deepEqual(result.facts.originAddresses, ["127.0.0.1"]);
  });

  test("NODATA (a name without A or AAAA) is told apart from NXDOMAIN", async () => {
    const result = await probe({ hostname: "no-address.test" });
    assert.equal(result.ok, false);
    assert.equal(only(result.findings, "dns.unresolvable").evidence.outcome, "NODATA");
    assert.equal(only(result.findings, "dns.unresolvable").evidence.errorCode, "ENODATA");
  });

  test("--origin as a name: resolved, IPv4 first", async () => {
    const result = await probe({ hostname: "proxied.test", origin: "origin.test" });
    assert.equal(result.ok, true);
    assert.deepEqual(codes(result.findings), ["dns.proxied:info"]);
    assert.deepEqual(result.facts.originAddresses, ["192.0.2.50", "2001:db8::50"]);
    assert.equal(result.facts.address, "192.0.2.50");
    assert.equal(result.facts.origin, "origin.test");
    assert.match(result.summary, /192\.0\.2\.50 \(IPv4; 1 other address\) from --origin/);
  });

  test("--origin as a name with only AAAA", async () => {
    const result = await probe({ hostname: "proxied.test", origin: "v6origin.test" });
    assert.equal(result.facts.address, "2001:db8::60");
  });

  test("--origin as a name that does not resolve: 530, origin DNS error", async () => {
    const result = await probe({ hostname: "proxied.test", origin: "missing-origin.test" });
    assert.equal(result.ok, false);
    const unresolvable = only(result.findings, "origin.unresolvable");
    assert.equal(unresolvable.severity, "error");
    assert.equal(unresolvable.edgeStatus, 530);
    assert.equal(unresolvable.evidence.outcome, "NXDOMAIN");
    assert.match(unresolvable.detail, /1016/);
    assert.equal(result.facts.address, null);
  });

  test("--origin inside the CDN's ranges: an error (520), by IP or by name", async () => {
    const cases = [
      ["104.16.0.9", "104.16.0.0/13"],
      ["::ffff:104.16.0.9", "104.16.0.0/13"],
      ["2606:4700::9", "2606:4700::/32"],
      ["cdn-origin.test", "172.64.0.0/13"],
    ] as const;
    for (const [origin, range] of cases) {
      const result = await probe({ hostname: "direct.test", origin });
      assert.equal(result.ok, false, "nothing is connected to: the CDN's own address is never probed as an origin");
      const loop = only(result.findings, "origin.is_cdn_address");
      assert.equal(loop.severity, "error", origin);
      assert.equal(loop.edgeStatus, 520, origin);
      assert.deepEqual(loop.evidence.cdnRanges, [range]);
    }
    const byName = await probe({ hostname: "direct.test", origin: "cdn-origin.test" });
    assert.deepEqual(only(byName.findings, "origin.is_cdn_address").evidence.cdnAddresses, ["172.64.1.1"]);
  });

  test("an IPv6 origin literal is used as is, brackets stripped and normalised", async () => {
    const result = await probe({ hostname: "direct.test", origin: "[2001:DB8:0:0::1]" });
    assert.equal(result.facts.address, "2001:db8::1");
    assert.deepEqual(result.facts.originAddresses, ["2001:db8::1"]);
    assert.equal(result.facts.origin, "[2001:DB8:0:0::1]");
  });

  test("an IP-literal hostname and origin ask no DNS server", async () => {
    const before = server.queries.length;
    const result = await probe({ hostname: "127.0.0.1", origin: "::1" });
    assert.equal(server.queries.length, before);
    assert.deepEqual(result.facts.resolvers, []);
    assert.deepEqual(result.facts.hostnameAddresses, ["127.0.0.1"]);
    assert.equal(result.facts.address, "::1");
    assert.deepEqual(codes(result.findings), ["dns.not_proxied:info"]);
  });

  test("localhost is answered from the hosts file, never asked of DNS (RFC 6761 §6.3)", async () => {
    const before = server.queries.length;
    const result = await probe({ hostname: "localhost" });
    assert.equal(server.queries.length, before);
    assert.equal(result.ok, true);
    assert.ok(result.facts.hostnameAddresses.includes("127.0.0.1"));
    assert.equal(result.facts.address, "127.0.0.1");
    assert.equal(only(result.findings, "origin.from_hostname").evidence.source, "localhost");
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
        const result = await dnsProbe.run(
          stateFor({ hostname: "direct.test" }, { dnsServers: [broken.address] }),
          AbortSignal.timeout(10_000),
        );
        assert.equal(result.ok, false);
        assert.equal(only(result.findings, "dns.unresolvable").evidence.outcome, outcome);
        assert.equal(only(result.findings, "dns.unresolvable").evidence.errorCode, errorCode);
      } finally {
        await broken.close();
      }
    }
    const result = await dnsProbe.run(
      stateFor({ hostname: "direct.test" }, { dnsServers: [`127.0.0.1:${closedPort}`], timeoutMs: 1_000 }),
      AbortSignal.timeout(10_000),
    );
    assert.equal(result.ok, false);
    // Linux reports the ICMP port-unreachable as ECONNREFUSED; c-ares may also just time out.
    assert.ok(
      ["refused", "timed out"].includes(String(only(result.findings, "dns.unresolvable").evidence.outcome)),
      JSON.stringify(result.findings),
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

    test("the phase deadline (signal) cancels the queries: unresolvable, timed out", async () => {
      const started = performance.now();
      const result = await dnsProbe.run(
        stateFor({ hostname: "direct.test" }, { dnsServers: [silentAddress], timeoutMs: 60_000 }),
        AbortSignal.timeout(300),
      );
      assert.ok(performance.now() - started < 5_000, "returned promptly after the deadline");
      assert.equal(result.ok, false);
      const unresolvable = only(result.findings, "dns.unresolvable");
      assert.equal(unresolvable.evidence.outcome, "timed out");
      assert.match(result.summary, /timed out/);
    });

    test("the resolver's own timeout (no signal) is also 'timed out'", async () => {
      const result = await dnsProbe.run(
        stateFor({ hostname: "direct.test", origin: "origin.test" }, { dnsServers: [silentAddress], timeoutMs: 300 }),
        AbortSignal.timeout(30_000),
      );
      assert.equal(result.ok, false);
      assert.equal(only(result.findings, "dns.unresolvable").severity, "warning");
      assert.equal(only(result.findings, "origin.unresolvable").evidence.errorCode, "ETIMEOUT");
      assert.equal(only(result.findings, "origin.unresolvable").evidence.outcome, "timed out");
    });

    test("a signal already aborted returns at once", async () => {
      const result = await dnsProbe.run(
        stateFor({ hostname: "direct.test" }, { dnsServers: [silentAddress] }),
        AbortSignal.abort(),
      );
      assert.equal(result.ok, false);
      assert.equal(only(result.findings, "dns.unresolvable").evidence.outcome, "timed out");
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
