import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isLoopback, normaliseIpLiteral, parseIp } from "../../src/net/ip-literal.js";

describe("normaliseIpLiteral", () => {
  const cases: ReadonlyArray<readonly [string, string | null]> = [
    ["203.0.113.7", "203.0.113.7"],
    ["[::1]", "::1"],
    ["::1", "::1"],
    ["2001:DB8::1", "2001:db8::1"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    // RFC 5952 §4.2.2: a single zero group is not compressed; §4.2.3: the longest run wins, the first on a tie.
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["::", "::"],
    ["1::", "1::"],
    ["::ffff:192.0.2.1", "::ffff:192.0.2.1"],
    ["::FFFF:c000:0201", "::ffff:192.0.2.1"],
    ["::192.0.2.1", "::c000:201"],
    ["1:2:3:4:5:6:192.0.2.1", "1:2:3:4:5:6:c000:201"],
    ["fe80::1%eth0", "fe80::1%eth0"],
    ["example.com", null],
    ["", null],
    ["[example.com]", null],
    ["1.2.3", null],
    ["256.1.1.1", null],
  ];
  for (const [input, expected] of cases) {
    test(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(normaliseIpLiteral(input), expected);
    });
  }
});

describe("isLoopback", () => {
  const cases: ReadonlyArray<readonly [string, boolean]> = [
    ["127.0.0.1", true],
    ["127.255.255.254", true],
    ["::1", true],
    ["::ffff:127.0.0.1", true],
    ["128.0.0.1", false],
    ["126.255.255.255", false],
    ["::2", false],
    ["::", false],
    ["192.0.2.1", false],
  ];
  for (const [address, expected] of cases) {
    test(`${address} → ${expected}`, () => {
      const parsed = parseIp(address);
      assert.ok(parsed);
      assert.equal(isLoopback(parsed), expected);
    });
  }
});
