/**
 * The allow lists decide what `diag520 serve` may connect to: each row is one pattern and one
 * candidate, including the spellings an attacker would try to slip past a naive string match.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../../src/errors.js";
import { parseOrigin } from "../../src/input/arguments.js";
import { parseHostname } from "../../src/input/hostname.js";
import {
  type Allowlist,
  compileOriginPattern,
  compileTargetPattern,
  isOriginAllowed,
  isTargetAllowed,
} from "../../src/serve/allowlist.js";

const targets = (...patterns: string[]): Allowlist => ({ targets: patterns.map(compileTargetPattern), origins: [] });
const origins = (...patterns: string[]): Allowlist => ({ targets: [], origins: patterns.map(compileOriginPattern) });

/** [pattern, target as typed (validated as /probe does), allowed?] */
const TARGETS: ReadonlyArray<readonly [string, string, boolean]> = [
  ["example.com", "example.com", true],
  ["example.com", "EXAMPLE.com.", true],
  ["example.com", "www.example.com", false],
  ["example.com", "example.com.evil.net", false],
  ["*.example.com", "www.example.com", true],
  ["*.example.com", "a.b.example.com", true],
  ["*.example.com", "example.com", false],
  ["*.example.com", "badexample.com", false],
  ["*.example.com", "example.com.evil.net", false],
  ["*.example.com", "www.example.community", false],
  ["*.Example.COM", "www.example.com", true],
  ["*.bücher.example", "shop.xn--bcher-kva.example", true],
  ["bücher.example", "bücher.example", true],
  ["*", "anything.example", true],
  ["*", "192.0.2.1", true],
  ["192.0.2.1", "192.0.2.1", true],
  ["2001:db8::1", "2001:db8:0::1", true],
  ["*.example.com", "192.0.2.1", false],
];

for (const [pattern, target, allowed] of TARGETS) {
  test(`allow.targets ${pattern} ${allowed ? "allows" : "refuses"} ${target}`, () => {
    assert.equal(isTargetAllowed(targets(pattern), parseHostname(target).ascii), allowed);
  });
}

/** [pattern, origin as typed (validated as /probe does), allowed?] */
const ORIGINS: ReadonlyArray<readonly [string, string, boolean]> = [
  ["203.0.113.0/24", "203.0.113.7", true],
  ["203.0.113.0/24", "203.0.114.7", false],
  ["203.0.113.7", "203.0.113.7", true],
  ["203.0.113.7", "203.0.113.8", false],
  ["203.0.113.7/32", "203.0.113.7", true],
  ["0.0.0.0/0", "198.51.100.1", true],
  ["0.0.0.0/0", "2001:db8::1", false],
  ["::/0", "2001:db8::1", true],
  ["2001:db8::/32", "2001:db8:ffff::1", true],
  ["2001:db8::/32", "[2001:db8::1]", true],
  ["2001:db8::/32", "2001:db9::1", false],
  // An IPv4-mapped IPv6 address is the IPv4 address it carries: it must not slip past a v4 range.
  ["203.0.113.0/24", "::ffff:203.0.113.7", true],
  ["10.0.0.0/8", "::ffff:203.0.113.7", false],
  ["::ffff:0:0/96", "::ffff:10.1.2.3", true],
  ["127.0.0.1/32", "127.0.0.2", false],
  ["127.0.0.0/8", "127.0.0.2", true],
  // Names match names, never addresses, and an address never matches a name.
  ["origin.example.net", "origin.example.net", true],
  ["origin.example.net", "Origin.Example.NET.", true],
  ["origin.example.net", "203.0.113.7", false],
  ["*.example.net", "a.example.net", true],
  ["*.example.net", "example.net", false],
  ["203.0.113.0/24", "origin.example.net", false],
];

for (const [pattern, origin, allowed] of ORIGINS) {
  test(`allow.origins ${pattern} ${allowed ? "allows" : "refuses"} ${origin}`, () => {
    assert.equal(isOriginAllowed(origins(pattern), parseOrigin(origin).host), allowed);
  });
}

test("allow.origins never allows a scoped address, whatever the ranges", () => {
  assert.equal(isOriginAllowed(origins("::/0", "fe80::/10"), "fe80::1%eth0"), false);
});

test("an empty allow list allows nothing", () => {
  assert.equal(isTargetAllowed(targets(), "example.com"), false);
  assert.equal(isOriginAllowed(origins(), "203.0.113.7"), false);
});

/** [pattern, a fragment of the reason] */
const BAD_ORIGIN_PATTERNS: ReadonlyArray<readonly [string, string]> = [
  ["*", "every origin name"],
  ["10.0.0.1/8", "did you mean 10.0.0.0/8"],
  ["2001:db8::1/32", "did you mean 2001:db8::/32"],
  ["10.0.0.0/33", "from 0 to 32"],
  ["2001:db8::/129", "from 0 to 128"],
  ["10.0.0.0/", "from 0 to 32"],
  ["10.0.0.0/08", "from 0 to 32"],
  ["10.0.0.0/-1", "from 0 to 32"],
  ["fe80::1%eth0", "scoped"],
  ["example.com/24", "neither a CIDR"],
  ["a.*.example.com", "first label"],
  ["*example.com", "first label"],
  ["exa mple.com", "whitespace"],
  ["10.0.0", "IPv4"],
];

for (const [pattern, fragment] of BAD_ORIGIN_PATTERNS) {
  test(`allow.origins refuses the pattern ${JSON.stringify(pattern)}`, () => {
    assert.throws(
      () => compileOriginPattern(pattern),
      (error: unknown) => error instanceof UsageError && error.message.includes(fragment),
    );
  });
}

for (const [pattern, fragment] of [
  ["*.", "empty"],
  ["**.example.com", "first label"],
  ["www.*", "first label"],
  ["http://example.com", "not a URL"],
] as const) {
  test(`allow.targets refuses the pattern ${JSON.stringify(pattern)}`, () => {
    assert.throws(
      () => compileTargetPattern(pattern),
      (error: unknown) => error instanceof UsageError && error.message.includes(fragment),
    );
  });
}
