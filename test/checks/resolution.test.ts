/**
 * checkResolution in-process, fed answers built by hand: which findings each shape of answer
 * gives (the CDN's ranges or not, with or without --origin, each resolver failure), and in
 * what words. The same inputs against a real DNS server are in test/dns/resolution.test.ts.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkResolution, describePick, failureOutcome, isProxied } from "../../src/checks/resolution.js";
import type { Finding, FindingCode } from "../../src/findings/catalogue.js";
import type { NameAnswer, ResolutionObservation, ResolveFailure } from "../../src/resolve/resolve.js";

function answer(name: string, addresses: readonly string[], extra: Partial<NameAnswer> = {}): NameAnswer {
  return { name, addresses, cnames: [], source: "dns", failure: null, ...extra };
}

function failedAnswer(name: string, errorCode: string, systemLookupTried = false): NameAnswer {
  return answer(name, [], { failure: { errorCode, systemLookupTried } });
}

function observed(hostname: NameAnswer, origin: NameAnswer | null = null): ResolutionObservation {
  return {
    startedAt: "2026-01-01T00:00:00.000Z",
    durationMs: 1,
    hostname,
    origin,
    resolvers: ["127.0.0.1:53"],
    stop: null,
  };
}

const codes = (findings: readonly Finding[]): string[] => findings.map((f) => `${f.code}:${f.severity}`);

function only(findings: readonly Finding[], code: FindingCode): Finding {
  const matching = findings.filter((f) => f.code === code);
  assert.equal(matching.length, 1, `exactly one ${code} in ${findings.map((f) => f.code).join(", ")}`);
  return matching[0] as Finding;
}

describe("checkResolution", () => {
  const rows: ReadonlyArray<readonly [string, ResolutionObservation, string | null, readonly string[]]> = [
    [
      "proxied, no --origin: the CDN's own address, never called the origin (no verdict follows)",
      observed(answer("a.test", ["104.16.0.1"])),
      "104.16.0.1",
      ["dns.proxied:info", "origin.is_cdn_address:info"],
    ],
    [
      "not proxied, no --origin",
      observed(answer("a.test", ["198.51.100.1"])),
      "198.51.100.1",
      ["dns.not_proxied:info", "origin.from_hostname:info"],
    ],
    [
      "proxied, --origin outside the CDN",
      observed(answer("a.test", ["104.16.0.1"]), answer("192.0.2.1", ["192.0.2.1"], { source: "literal" })),
      "192.0.2.1",
      ["dns.proxied:info"],
    ],
    [
      "the hostname does not resolve, no --origin: an error, nothing to connect to",
      observed(failedAnswer("a.test", "ENOTFOUND")),
      null,
      ["dns.unresolvable:error"],
    ],
    [
      "the hostname does not resolve, --origin given: a warning only",
      observed(failedAnswer("a.test", "ENOTFOUND"), answer("192.0.2.1", ["192.0.2.1"], { source: "literal" })),
      "192.0.2.1",
      ["dns.unresolvable:warning"],
    ],
    [
      "the origin name does not resolve",
      observed(answer("a.test", ["104.16.0.1"]), failedAnswer("origin.a.test", "ENODATA")),
      null,
      ["dns.proxied:info", "origin.unresolvable:error"],
    ],
    [
      "--origin names an address of the CDN: an error",
      observed(answer("a.test", ["198.51.100.1"]), answer("104.16.0.9", ["104.16.0.9"], { source: "literal" })),
      "104.16.0.9",
      ["dns.not_proxied:info", "origin.is_cdn_address:error"],
    ],
    [
      // Without --origin, only the address diagnosed counts: the CDN's other one is not used.
      "no --origin, the address used is outside the CDN though another one is inside",
      observed(answer("a.test", ["198.51.100.1", "104.16.0.1"])),
      "198.51.100.1",
      ["dns.not_proxied:info", "origin.from_hostname:info"],
    ],
  ];
  for (const [name, observation, address, expected] of rows) {
    test(name, () => {
      const findings = checkResolution(observation, address);
      assert.deepEqual(codes(findings), expected);
      for (const f of findings) assert.deepEqual([f.leg, f.phase], [null, "dns"]);
    });
  }

  test("an address mix: not proxied, and the detail names the CDN addresses visitors may still get", () => {
    const host = answer("mixed.test", ["198.51.100.1", "104.16.0.1"], { cnames: ["edge.test"] });
    const found = only(checkResolution(observed(host), "198.51.100.1"), "dns.not_proxied");
    assert.match(found.detail, /Only 104\.16\.0\.1 of its addresses are the CDN's/);
    assert.equal(found.evidence.source, "dns");
    assert.deepEqual(found.evidence.cnames, ["edge.test"]);
    assert.deepEqual(found.evidence.cdnAddresses, ["104.16.0.1"]);
    assert.equal(isProxied(host), false);
  });

  test("--origin by name with several CDN addresses: every one of them is named", () => {
    const origin = answer("cdn-origin.test", ["192.0.2.51", "172.64.1.1", "104.16.0.2"]);
    const found = only(
      checkResolution(observed(answer("a.test", ["198.51.100.1"]), origin), "192.0.2.51"),
      "origin.is_cdn_address",
    );
    assert.deepEqual(found.evidence.cdnAddresses, ["172.64.1.1", "104.16.0.2"]);
    assert.deepEqual(found.evidence.cdnRanges, ["172.64.0.0/13", "104.16.0.0/13"]);
    assert.match(found.detail, /The origin cdn-origin\.test \(172\.64\.1\.1, 104\.16\.0\.2\) lies inside/);
  });

  test("a failure after the hosts file was asked too says so", () => {
    const found = only(checkResolution(observed(failedAnswer("a.test", "EREFUSED", true)), null), "dns.unresolvable");
    assert.deepEqual(found.evidence, {
      name: "a.test",
      outcome: "refused",
      errorCode: "EREFUSED",
      systemLookupTried: true,
    });
    assert.match(
      found.detail,
      /refused the query \(REFUSED\), and the system resolver \(hosts file\) has no entry either/,
    );
  });

  test("each resolver failure has a short outcome for the evidence; an unknown code is kept as is", () => {
    const outcomes: ReadonlyArray<readonly [string, string]> = [
      ["ENOTFOUND", "NXDOMAIN"],
      ["ENODATA", "NODATA"],
      ["ETIMEOUT", "timed out"],
      ["ECANCELLED", "timed out"],
      ["ECONNREFUSED", "refused"],
      ["EREFUSED", "refused"],
      ["ESERVFAIL", "SERVFAIL"],
      ["EFORMERR", "FORMERR"],
      ["ENOTIMP", "NOTIMP"],
      ["EBADRESP", "bad response"],
      ["EBADNAME", "bad name"],
      ["EWHATEVER", "error"],
    ];
    for (const [errorCode, outcome] of outcomes) {
      const failure: ResolveFailure = { errorCode, systemLookupTried: false };
      assert.equal(failureOutcome(failure), outcome, errorCode);
    }
    const found = only(checkResolution(observed(failedAnswer("a.test", "EWHATEVER")), null), "dns.unresolvable");
    assert.match(found.detail, /the DNS query failed \(EWHATEVER\)/);
  });

  test("the pick is described with its family and how many others there were", () => {
    assert.equal(describePick(["192.0.2.1"], "192.0.2.1"), "192.0.2.1 (IPv4)");
    assert.equal(describePick(["192.0.2.1", "2001:db8::1"], "192.0.2.1"), "192.0.2.1 (IPv4; 1 other address)");
    assert.equal(
      describePick(["2001:db8::1", "2001:db8::2", "2001:db8::3"], "2001:db8::1"),
      "2001:db8::1 (IPv6; 2 other addresses)",
    );
  });

  test("isProxied: every address inside the CDN; null without addresses", () => {
    assert.equal(isProxied(answer("a.test", ["104.16.0.1", "2606:4700::1"])), true);
    assert.equal(isProxied(answer("a.test", ["198.51.100.1"])), false);
    assert.equal(isProxied(failedAnswer("a.test", "ENOTFOUND")), null);
  });
});
