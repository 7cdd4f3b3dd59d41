/**
 * What `/probe` accepts before it connects anywhere: the query's parameters, the scrape
 * timeout header, and the command line of `diag520 serve`. Pure functions, one row per input.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../../src/errors.js";
import { parseServeConfig } from "../../src/serve/config.js";
import { parseProbeQuery } from "../../src/serve/probe-request.js";
import { probeDeadline } from "../../src/serve/scrape-deadline.js";
import { parseListen, toServeSettings } from "../../src/serve/serve-command.js";

const CONFIG = parseServeConfig(
  `modules:
  https_strict:
    path: /healthz
    headers:
      X-Probe: diag520
  http_flexible:
    scheme: http
    port: 8080
allow:
  targets: [example.com, "*.example.com"]
  origins: [203.0.113.0/24, "2001:db8::/32", origin.example.net]
`,
  "c.yml",
).config;
const ONE_MODULE = parseServeConfig(
  "modules:\n  only: {}\nallow:\n  targets: [example.com]\n  origins: [203.0.113.7]\n",
  "c.yml",
).config;

test("/probe: a valid query becomes the module's request for that target and origin", () => {
  const parsed = parseProbeQuery(
    new URLSearchParams("target=WWW.Example.com&origin=203.0.113.7&module=https_strict"),
    CONFIG,
  );
  assert.ok(parsed.ok);
  assert.equal(parsed.module.name, "https_strict");
  assert.deepEqual(parsed.request, {
    hostname: "www.example.com",
    displayHostname: "www.example.com",
    origin: "203.0.113.7",
    scheme: "https",
    port: 443,
    path: "/healthz",
    method: "GET",
    headers: [["X-Probe", "diag520"]],
    userAgent: parsed.module.userAgent,
  });
});

test("/probe: an IPv6 origin in brackets, and a named origin", () => {
  const v6 = parseProbeQuery(
    new URLSearchParams("target=example.com&origin=[2001:db8::7]&module=http_flexible"),
    CONFIG,
  );
  assert.ok(v6.ok && v6.request.origin === "2001:db8::7" && v6.request.port === 8080);
  const named = parseProbeQuery(
    new URLSearchParams("target=example.com&origin=Origin.Example.NET&module=http_flexible"),
    CONFIG,
  );
  assert.ok(named.ok && named.request.origin === "origin.example.net");
});

test("/probe: with one module, 'module' may be left out", () => {
  const parsed = parseProbeQuery(new URLSearchParams("target=example.com&origin=203.0.113.7"), ONE_MODULE);
  assert.ok(parsed.ok && parsed.module.name === "only");
});

/** [query, status, the whole reason] */
const REFUSED: ReadonlyArray<readonly [string, 400 | 403, string]> = [
  [
    "target=example.com&origin=203.0.113.7",
    400,
    "the 'module' parameter is missing: one of https_strict, http_flexible",
  ],
  [
    "target=example.com&origin=203.0.113.7&module=nope",
    400,
    "unknown module 'nope': the modules are https_strict, http_flexible",
  ],
  [
    "target=example.com&origin=203.0.113.7&module=constructor",
    400,
    "unknown module 'constructor': the modules are https_strict, http_flexible",
  ],
  [
    "target=example.com&origin=203.0.113.7&module=__proto__",
    400,
    "unknown module '__proto__': the modules are https_strict, http_flexible",
  ],
  [
    "origin=203.0.113.7&module=https_strict",
    400,
    "the 'target' parameter is missing: give the site's hostname, as in target=example.com",
  ],
  [
    "target=example.com&module=https_strict",
    400,
    "the 'origin' parameter is missing: give the origin's address or name (the exporter connects only to origins its configuration allows)",
  ],
  ["target=a.example.com&target=b.example.com&origin=203.0.113.7&module=https_strict", 400, "give 'target' once"],
  ["target=example.com&origin=203.0.113.7&origin=203.0.113.8&module=https_strict", 400, "give 'origin' once"],
  [
    "target=https://example.com/&origin=203.0.113.7&module=https_strict",
    400,
    "invalid target 'https://example.com/': give the bare hostname (example.com), not a URL; use --path for the path",
  ],
  [
    "target=example.com%0d%0aX-Injected:%201&origin=203.0.113.7&module=https_strict",
    400,
    "invalid target 'example.com\\x0d\\nX-Injected: 1': it contains whitespace or control characters",
  ],
  [
    "target=example.com&origin=203.0.113.7:8443&module=https_strict",
    400,
    "invalid origin '203.0.113.7:8443': give it without a port; the module sets the port",
  ],
  [
    "target=example.com&origin=0x7f.1&module=https_strict",
    400,
    "invalid origin '0x7f.1': it looks like an IPv4 address but is not one (four numbers 0-255, as in 192.0.2.1)",
  ],
  [
    "target=example.com&origin=fe80::1%25eth0&module=https_strict",
    400,
    "invalid origin 'fe80::1%eth0': a scoped address (with %zone) cannot be probed",
  ],
  [
    `target=${"a".repeat(2000)}&origin=203.0.113.7&module=https_strict`,
    400,
    `invalid value '${"a".repeat(80)}…': longer than 1024 characters`,
  ],
  [
    "target=evil.example&origin=203.0.113.7&module=https_strict",
    403,
    "target 'evil.example' is not in the configuration's allow.targets",
  ],
  [
    "target=example.com.evil.example&origin=203.0.113.7&module=https_strict",
    403,
    "target 'example.com.evil.example' is not in the configuration's allow.targets",
  ],
  [
    "target=example.com&origin=10.0.0.1&module=https_strict",
    403,
    "origin '10.0.0.1' is not in the configuration's allow.origins",
  ],
  [
    "target=example.com&origin=127.0.0.1&module=https_strict",
    403,
    "origin '127.0.0.1' is not in the configuration's allow.origins",
  ],
  [
    "target=example.com&origin=169.254.169.254&module=https_strict",
    403,
    "origin '169.254.169.254' is not in the configuration's allow.origins",
  ],
  [
    "target=example.com&origin=::ffff:10.0.0.1&module=https_strict",
    403,
    "origin '::ffff:10.0.0.1' is not in the configuration's allow.origins",
  ],
  [
    "target=example.com&origin=localhost&module=https_strict",
    403,
    "origin 'localhost' is not in the configuration's allow.origins",
  ],
];

for (const [query, status, reason] of REFUSED) {
  test(`/probe answers ${status} to ${query.length > 90 ? `${query.slice(0, 90)}…` : query}`, () => {
    const parsed = parseProbeQuery(new URLSearchParams(query), CONFIG);
    assert.deepEqual(parsed, { ok: false, status, reason });
  });
}

/** [header, module timeout ms, the deadline ms (null: refused)] */
const DEADLINES: ReadonlyArray<readonly [string | undefined, number, number | null]> = [
  [undefined, 10_000, 10_000],
  ["", 10_000, 10_000],
  ["10", 10_000, 9_500],
  ["10", 5_000, 5_000],
  ["2.5", 10_000, 2_000],
  ["1", 10_000, 500],
  ["0.6", 10_000, 300],
  ["0.2", 10_000, 100],
  ["0", 7_000, 7_000],
  ["120", 10_000, 10_000],
  [" 3 ", 10_000, 2_500],
  ["1e9", 10_000, null],
  ["-1", 10_000, null],
  ["ten", 10_000, null],
  ["Infinity", 10_000, null],
  ["3, 4", 10_000, null],
];

for (const [header, moduleMs, expected] of DEADLINES) {
  test(`scrape timeout ${JSON.stringify(header)} with a ${moduleMs} ms module → ${expected ?? "400"}`, () => {
    const deadline = probeDeadline(header, moduleMs);
    if (expected === null)
      assert.ok(!deadline.ok && deadline.reason.startsWith("invalid X-Prometheus-Scrape-Timeout-Seconds"));
    else assert.ok(deadline.ok && deadline.ms === expected, JSON.stringify(deadline));
  });
}

const LISTEN: ReadonlyArray<readonly [string, string | { host: string; port: number }]> = [
  ["127.0.0.1:9520", { host: "127.0.0.1", port: 9520 }],
  ["[::1]:9520", { host: "::1", port: 9520 }],
  ["localhost:0", { host: "localhost", port: 0 }],
  ["0.0.0.0:9520", { host: "0.0.0.0", port: 9520 }],
  ["[::]:9520", { host: "::", port: 9520 }],
  [":9520", "give the address too, as in 127.0.0.1:9520 (or 0.0.0.0:9520 for every interface)"],
  ["9520", "give the address too, as in 127.0.0.1:9520 (or 0.0.0.0:9520 for every interface)"],
  ["::1:9520", "give host:port, as in 127.0.0.1:9520 or [::1]:9520"],
  ["example.com:9520", "the host must be an IP address (IPv6 in brackets) or localhost"],
  ["[127.0.0.1]:9520", "'127.0.0.1' is not an IPv6 address"],
  ["127.0.0.1:65536", "the port must be from 0 to 65535 (0: any free port)"],
  ["127.0.0.1:", "give host:port, as in 127.0.0.1:9520 or [::1]:9520"],
];

for (const [input, expected] of LISTEN) {
  test(`--listen ${input}`, () => {
    if (typeof expected === "string") {
      assert.throws(() => parseListen(input), new UsageError(`invalid --listen '${input}': ${expected}`));
    } else assert.deepEqual(parseListen(input), expected);
  });
}

test("serve settings: defaults, and bounds on --concurrency and --queue", () => {
  assert.deepEqual(toServeSettings({ config: "c.yml" }), {
    configPath: "c.yml",
    host: "127.0.0.1",
    port: 9520,
    concurrency: 8,
    queueLength: 32,
  });
  assert.equal(toServeSettings({ config: "c.yml", queue: "0" }).queueLength, 0);
  assert.throws(
    () => toServeSettings({ config: "c.yml", concurrency: "0" }),
    new UsageError("invalid --concurrency '0': give a whole number from 1 to 1024"),
  );
  assert.throws(
    () => toServeSettings({ config: "c.yml", queue: "-1" }),
    new UsageError("invalid --queue '-1': give a whole number from 0 to 100000"),
  );
});
