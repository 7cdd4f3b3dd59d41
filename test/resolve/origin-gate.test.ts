/**
 * originGate and pickAddress in-process: which address the origin leg connects to, and when it
 * must not connect at all (no address, or --origin inside the CDN's ranges: never open a
 * connection to the CDN's own addresses as "the origin").
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { originGate } from "../../src/resolve/origin-gate.js";
import { type NameAnswer, pickAddress } from "../../src/resolve/resolve.js";

function answer(addresses: readonly string[]): NameAnswer {
  const failure = addresses.length === 0 ? { errorCode: "ENOTFOUND", systemLookupTried: false } : null;
  return { name: "a.test", addresses, cnames: [], source: "dns", failure };
}

describe("originGate", () => {
  const rows: ReadonlyArray<readonly [string, readonly string[], boolean, string | null, RegExp | null]> = [
    ["the hostname's first IPv4", ["198.51.100.1", "198.51.100.2"], false, "198.51.100.1", null],
    ["--origin's address", ["192.0.2.50", "2001:db8::50"], true, "192.0.2.50", null],
    [
      "no address from the hostname",
      [],
      false,
      null,
      /^not run: the hostname does not resolve, so there is no address/,
    ],
    ["no address from --origin", [], true, null, /^not run: the origin name does not resolve/],
    [
      "--origin with one address inside the CDN: blocked, whichever is picked",
      ["192.0.2.51", "172.64.1.1"],
      true,
      "192.0.2.51",
      /^not run: the origin address lies inside the CDN's own ranges$/,
    ],
    // Without --origin the hostname's own answer is the edge, not the origin: never connected to as the origin.
    [
      "the hostname inside the CDN, no --origin: blocked",
      ["104.16.0.1"],
      false,
      "104.16.0.1",
      /resolves to the CDN's own edge, not to the origin/,
    ],
  ];
  for (const [name, addresses, originGiven, address, blockedBy] of rows) {
    test(name, () => {
      const gate = originGate(answer(addresses), originGiven);
      assert.equal(gate.address, address);
      if (blockedBy === null) assert.equal(gate.blockedBy, null);
      else assert.match(gate.blockedBy ?? "", blockedBy);
    });
  }
});

describe("pickAddress", () => {
  test("the first IPv4, else the first IPv6, else none", () => {
    assert.equal(pickAddress(["2001:db8::1", "192.0.2.1", "192.0.2.2"]), "192.0.2.1");
    assert.equal(pickAddress(["2001:db8::6", "2001:db8::7"]), "2001:db8::6");
    assert.equal(pickAddress([]), null);
  });
});
