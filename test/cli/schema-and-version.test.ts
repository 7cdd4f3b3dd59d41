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

  // legs.edge: an optional leg beside the origin's, with what the edge answered and why it did not run.
  type Node = {
    properties?: Record<string, Node>;
    required?: string[];
    anyOf?: Node[];
    const?: unknown;
    enum?: unknown[];
  };
  const branches = (schema.oneOf ?? []) as Node[];
  const report = branches.find((branch) => branch.properties?.kind?.const === "report");
  const legs = report?.properties?.legs;
  const edge = legs?.properties?.edge;
  assert.ok(edge?.properties, "legs.edge is in the schema");
  assert.ok(!(legs?.required ?? []).includes("edge"), "legs.edge is optional (batch and serve have none)");
  for (const key of ["phases", "hostname", "pinned", "cacheBusted", "path", "skipReason", "answer", "structuredForm"])
    assert.ok(edge.required?.includes(key), `legs.edge.${key} is required`);
  const answer = edge.properties.answer?.anyOf?.find((branch) => branch.properties !== undefined);
  for (const key of ["status", "cfRay", "rayId", "colo", "cacheStatus", "retryAfter", "generatedBy", "errorCode"])
    assert.ok(answer?.properties?.[key], `legs.edge.answer.${key}`);
  assert.deepEqual(answer?.properties?.generatedBy?.enum?.slice().sort(), ["cloudflare", "origin", "unknown"]);
  for (const code of ["edge.only_at_edge", "edge.confirmed", "edge.tolerated", "edge.error_1xxx", "edge.alone"])
    assert.ok(text.includes(`"${code}"`), code);
});
