import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { runCli } from "../support/run-cli.js";

const packageVersion = (
  JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

test("--version prints the package version and exits 0", async () => {
  const result = await runCli(["--version"]);
  assert.equal(result.code, 0);
  assert.equal(result.stdout.trim(), packageVersion);
  assert.equal(result.stderr, "");
});

test("--help shows usage, the examples and the exit codes on stdout", async () => {
  const result = await runCli(["--help"]);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /Usage: diag520 \[options\] \[command\] <target>/);
  assert.match(result.stdout, /--origin <address>/);
  assert.match(result.stdout, /Exit codes: 0 nothing that would make the CDN fail/);
});

test("diag520 schema prints a JSON Schema that names every finding code and both document kinds", async () => {
  const result = await runCli(["schema"]);
  assert.equal(result.code, 0, result.stderr);
  const schema = JSON.parse(result.stdout) as Record<string, unknown>;
  assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
  const text = result.stdout;
  for (const code of ["http.empty_reply", "tls.cert_expired", "tcp.refused", "origin.unresolvable"])
    assert.ok(text.includes(`"${code}"`), code);
  assert.ok(text.includes('"report"') && text.includes('"error"'));
});
