/**
 * `diag520 serve --config`: a good file in YAML and in JSON gives the same modules; each bad
 * one is one line that names the file, the line and the setting.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { UsageError } from "../../src/errors.js";
import { generateLabCertificates } from "../../src/lab/certificates.js";
import { DEFAULTS } from "../../src/options.js";
import { isOriginAllowed, isTargetAllowed } from "../../src/serve/allowlist.js";
import { loadServeConfig, parseServeConfig } from "../../src/serve/config.js";

const EXAMPLE_YAML = `# diag520 serve configuration
modules:
  https_strict:
    scheme: https
    path: /healthz
    headers:
      X-Probe: diag520
    timeout: 5s
  http_flexible:
    scheme: http
    port: 8080
    method: head
    maxHeaderSize: 16384
    maxBody: 65536
    dnsServers: ["127.0.0.1:53"]
    timeout: 2.5
allow:
  targets:
    - example.com
    - "*.example.com"
  origins:
    - 203.0.113.0/24
    - 2001:db8::/32
    - origin.example.net
`;

const EXAMPLE_JSON = JSON.stringify({
  modules: {
    https_strict: { scheme: "https", path: "/healthz", headers: { "X-Probe": "diag520" }, timeout: "5s" },
    http_flexible: {
      scheme: "http",
      port: 8080,
      method: "head",
      maxHeaderSize: 16384,
      maxBody: 65536,
      dnsServers: ["127.0.0.1:53"],
      timeout: 2.5,
    },
  },
  allow: {
    targets: ["example.com", "*.example.com"],
    origins: ["203.0.113.0/24", "2001:db8::/32", "origin.example.net"],
  },
});

test("config: the README's kind of file, in YAML and in JSON, gives the same modules and allow lists", () => {
  const yaml = parseServeConfig(EXAMPLE_YAML, "diag520.yml").config;
  const json = parseServeConfig(EXAMPLE_JSON, "diag520.json").config;
  assert.deepEqual([...yaml.modules], [...json.modules]);
  assert.deepEqual(yaml.allow, json.allow);
  assert.deepEqual(yaml.modules.get("https_strict"), {
    name: "https_strict",
    scheme: "https",
    port: 443,
    path: "/healthz",
    method: "GET",
    headers: [["X-Probe", "diag520"]],
    userAgent: DEFAULTS.userAgent,
    timeoutMs: 5000,
    maxHeaderSize: DEFAULTS.maxHeaderSize,
    maxBodyBytes: DEFAULTS.maxBodyBytes,
    extraCaPem: [],
    dnsServers: [],
  });
  const flexible = yaml.modules.get("http_flexible");
  assert.equal(flexible?.port, 8080);
  assert.equal(flexible?.method, "HEAD");
  assert.equal(flexible?.timeoutMs, 2500);
  assert.ok(isTargetAllowed(yaml.allow, "www.example.com"));
  assert.ok(isOriginAllowed(yaml.allow, "2001:db8::7"));
  assert.ok(!isOriginAllowed(yaml.allow, "192.0.2.1"));
});

test("config: a module with no settings takes the CLI's defaults (https, port 443, GET /, 10 s)", () => {
  const { config } = parseServeConfig(
    "modules:\n  plain: {}\nallow:\n  targets: [a.example]\n  origins: [192.0.2.1]\n",
    "c.yml",
  );
  const module = config.modules.get("plain");
  assert.equal(module?.scheme, "https");
  assert.equal(module?.port, 443);
  assert.equal(module?.path, "/");
  assert.equal(module?.timeoutMs, 10_000);
  assert.equal(config.modules.get("constructor"), undefined, "a Map: no inherited names");
});

const ALLOW = "allow:\n  targets: [example.com]\n  origins: [192.0.2.1]\n";
const module = (settings: string) => `modules:\n  m:\n${settings}${ALLOW}`;

/** [name, file text, the whole one-line message] */
const INVALID: ReadonlyArray<readonly [string, string, string]> = [
  ["an empty file", "", "invalid config file 'c.yml': Invalid input: expected object, received null"],
  ["no modules", `modules: {}\n${ALLOW}`, "invalid config file 'c.yml': line 1: modules: define at least one module"],
  [
    "no allow section",
    "modules:\n  m: {}\n",
    "invalid config file 'c.yml': allow: Invalid input: expected object, received undefined",
  ],
  [
    "a misspelt section",
    `modules:\n  m: {}\n${ALLOW}alow: {}\n`,
    `invalid config file 'c.yml': line 6: alow: Unrecognized key: "alow"`,
  ],
  [
    "a misspelt module setting",
    module("    prot: 80\n"),
    `invalid config file 'c.yml': line 3: modules.m.prot: Unrecognized key: "prot"`,
  ],
  [
    "a port out of range",
    module("    port: 70000\n"),
    "invalid config file 'c.yml': line 3: modules.m.port: Too big: expected number to be <=65535",
  ],
  [
    "a port as a string",
    module('    port: "443"\n'),
    "invalid config file 'c.yml': line 3: modules.m.port: Invalid input: expected number, received string",
  ],
  [
    "an unknown scheme",
    module("    scheme: ftp\n"),
    `invalid config file 'c.yml': line 3: modules.m.scheme: Invalid option: expected one of "http"|"https"`,
  ],
  [
    "a path without a slash",
    module("    path: healthz\n"),
    "invalid config file 'c.yml': line 3: modules.m.path: 'healthz': it must start with '/', as in /login",
  ],
  [
    "a path with a space",
    module('    path: "/a b"\n'),
    "invalid config file 'c.yml': line 3: modules.m.path: '/a b': use only visible ASCII; encode spaces and other characters as %XX",
  ],
  [
    "a method that is not a token",
    module('    method: "GE T"\n'),
    "invalid config file 'c.yml': line 3: modules.m.method: 'GE T': a method is a token such as GET, HEAD or POST",
  ],
  [
    "a header value with CR LF (request smuggling)",
    module('    headers:\n      X-A: "b\\r\\nX-Injected: 1"\n'),
    "invalid config file 'c.yml': line 3: modules.m.headers: 'X-A': the value may not contain CR, LF or NUL",
  ],
  [
    "a header name with a space",
    module('    headers:\n      "X A": b\n'),
    "invalid config file 'c.yml': line 3: modules.m.headers: 'X A': the name may hold only token characters (letters, digits, -)",
  ],
  [
    "a timeout of zero",
    module("    timeout: 0\n"),
    'invalid config file \'c.yml\': line 3: modules.m.timeout: \'0\': give a duration from 1ms to 24h, as seconds (10, 2.5) or with a unit ("10s", "500ms", "2m")',
  ],
  [
    "a timeout in hours",
    module("    timeout: 1h\n"),
    'invalid config file \'c.yml\': line 3: modules.m.timeout: \'1h\': give a duration from 1ms to 24h, as seconds (10, 2.5) or with a unit ("10s", "500ms", "2m")',
  ],
  [
    "a header size of zero",
    module("    maxHeaderSize: 0\n"),
    "invalid config file 'c.yml': line 3: modules.m.maxHeaderSize: '0': give a whole number of bytes from 1 to 16777216",
  ],
  [
    "a DNS server that is a name",
    module("    dnsServers: [dns.example]\n"),
    "invalid config file 'c.yml': line 3: modules.m.dnsServers[0]: 'dns.example': give an IP address, optionally with a port (127.0.0.1:5353, [::1]:53)",
  ],
  [
    "a module name with a space",
    `modules:\n  "a b": {}\n${ALLOW}`,
    `invalid config file 'c.yml': line 2: modules["a b"]: a module name is 1-64 letters, digits, '_', '.' or '-'`,
  ],
  [
    "no allowed targets",
    "modules:\n  m: {}\nallow:\n  targets: []\n  origins: [192.0.2.1]\n",
    "invalid config file 'c.yml': line 4: allow.targets: list at least one target (a hostname, '*.example.com' or '*')",
  ],
  [
    "every origin by '*'",
    "modules:\n  m: {}\nallow:\n  targets: ['*']\n  origins: ['*']\n",
    "invalid config file 'c.yml': line 5: allow.origins[0]: '*' would allow every origin name; list names or ranges (0.0.0.0/0 and ::/0 allow every address)",
  ],
  [
    "a range with host bits",
    "modules:\n  m: {}\nallow:\n  targets: [a.example]\n  origins:\n    - 192.0.2.1/24\n",
    "invalid config file 'c.yml': line 6: allow.origins[0]: '192.0.2.1/24' has host bits set: did you mean 192.0.2.0/24?",
  ],
  [
    "an unquoted glob",
    "modules:\n  m: {}\nallow:\n  targets:\n    - *.example.com\n",
    `invalid config file 'c.yml': line 5: '*.example.com' reads as an alias (*): quote it, as in "*.example.com"`,
  ],
  [
    "two problems at once, in line order",
    module("    port: 0\n    scheme: gopher\n"),
    `invalid config file 'c.yml': line 3: modules.m.port: Too small: expected number to be >=1; line 4: modules.m.scheme: Invalid option: expected one of "http"|"https"`,
  ],
  ["broken JSON", '{"modules": ', "invalid config file 'c.json': not valid JSON (Unexpected end of JSON input)"],
];

for (const [name, text, message] of INVALID) {
  test(`config refuses ${name}`, () => {
    const fileName = message.includes("'c.json'") ? "c.json" : "c.yml";
    assert.throws(
      () => parseServeConfig(text, fileName),
      (error: unknown) => {
        assert.ok(error instanceof UsageError, String(error));
        assert.equal(error.message, message);
        return true;
      },
    );
  });
}

let directory = "";
before(async () => {
  directory = await mkdtemp(join(tmpdir(), "diag520-serve-config-"));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

test("config: caFile is read at start, relative to the configuration file", async () => {
  const certificates = generateLabCertificates(["a.example"]);
  await writeFile(join(directory, "ca.pem"), certificates.caPem);
  const path = join(directory, "with-ca.yml");
  await writeFile(path, `modules:\n  m:\n    caFile: ca.pem\n${ALLOW}`);
  const config = await loadServeConfig(path);
  assert.equal(config.modules.get("m")?.extraCaPem.length, 1);
});

test("config: a missing caFile names the module, the line and the path", async () => {
  const path = join(directory, "missing-ca.yml");
  await writeFile(path, `modules:\n  m:\n    caFile: nowhere.pem\n${ALLOW}`);
  await assert.rejects(loadServeConfig(path), {
    name: "UsageError",
    message: `invalid config file '${path}': line 3: modules.m.caFile: '${join(directory, "nowhere.pem")}': cannot read it (ENOENT)`,
  });
});

for (const [name, prepare, fragment] of [
  ["a missing file", async (path: string) => path, "cannot read it (ENOENT)"],
  ["a directory", async () => directory, "it is a directory"],
  [
    "a file larger than 1 MiB",
    async (path: string) => {
      await writeFile(path, `# ${"x".repeat(1024 * 1024)}\n`);
      return path;
    },
    "larger than 1048576 bytes",
  ],
  [
    "a file that is not UTF-8",
    async (path: string) => {
      await writeFile(path, Buffer.from([0x6d, 0x3a, 0x20, 0xff, 0xfe, 0x0a]));
      return path;
    },
    "not UTF-8",
  ],
] as const) {
  test(`config: ${name} is a usage error`, async () => {
    const path = await prepare(join(directory, `${name.replace(/\W+/g, "-")}.yml`));
    await assert.rejects(loadServeConfig(path), (error: unknown) => {
      assert.ok(error instanceof UsageError, String(error));
      assert.ok(error.message.includes(fragment), error.message);
      assert.ok(!error.message.includes("\n"));
      return true;
    });
  });
}
