import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../../src/errors.js";
import { parseOrigin } from "../../src/input/arguments.js";
import { parseHostname } from "../../src/input/hostname.js";

const VALID: ReadonlyArray<readonly [string, string, string]> = [
  ["example.com", "example.com", "example.com"],
  ["Example.COM.", "example.com", "example.com"],
  ["localhost", "localhost", "localhost"],
  ["bücher.example", "xn--bcher-kva.example", "bücher.example"],
  ["xn--bcher-kva.example", "xn--bcher-kva.example", "bücher.example"],
  ["127.0.0.1", "127.0.0.1", "127.0.0.1"],
  ["a-b.c-d.example", "a-b.c-d.example", "a-b.c-d.example"],
];

for (const [input, ascii, display] of VALID) {
  test(`parseHostname accepts ${input}`, () => assert.deepEqual(parseHostname(input), { ascii, display }));
}

const INVALID = [
  "",
  "a b.com",
  "-lead.example",
  "trail-.example",
  "a..b",
  ".a.b",
  "a_b.example",
  "1.2.3",
  "300.1.1.1",
  "[::1]",
  "ex!ample.com",
];
for (const input of INVALID) {
  test(`parseHostname rejects ${JSON.stringify(input)}`, () => assert.throws(() => parseHostname(input), UsageError));
}

test("parseOrigin keeps IP literals, strips IPv6 brackets and takes a port", () => {
  assert.deepEqual(parseOrigin("192.0.2.7"), { host: "192.0.2.7", port: null });
  assert.deepEqual(parseOrigin("2001:db8::7"), { host: "2001:db8::7", port: null });
  assert.deepEqual(parseOrigin("[2001:db8::7]"), { host: "2001:db8::7", port: null });
  assert.deepEqual(parseOrigin("Origin.Example.com"), { host: "origin.example.com", port: null });
  assert.deepEqual(parseOrigin("203.0.113.7:8443"), { host: "203.0.113.7", port: 8443 });
  assert.deepEqual(parseOrigin("[2001:db8::7]:8443"), { host: "2001:db8::7", port: 8443 });
  assert.deepEqual(parseOrigin("origin.example.com:8080"), { host: "origin.example.com", port: 8080 });
});
