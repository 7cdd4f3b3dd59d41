/**
 * Issue 3 end to end: the real binary writes a valid HAR and a Markdown report, and a secret
 * passed in --header (or named with --redact) appears in no output file and not on stdout.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Lab, startLab } from "../../src/lab/lab.js";
import { outputDocumentSchema, type Report } from "../../src/report/schema.js";
import { harErrors } from "../artifacts/har-validator.js";
import { phaseOf, phasesOf } from "../support/report-phases.js";
import { runCli } from "../support/run-cli.js";

const BEARER = "s3cr3t-bearer-token-do-not-leak";
const API_KEY = "k3y-0f-the-api-do-not-leak";
const COOKIE = "session=c00kie-value-do-not-leak";

describe("support-ticket artefacts from the real binary", { concurrency: 2 }, () => {
  let lab: Lab;
  let dir: string;
  const argsOf = (name: string): string[] => {
    const running = lab.origins.find((o) => o.origin.name === name);
    assert.ok(running, name);
    return [...running.args];
  };
  const secretHeaders = [
    "--header",
    `Authorization: Bearer ${BEARER}`,
    "--header",
    `Cookie: ${COOKIE}`,
    "--header",
    `X-Api-Key: ${API_KEY}`,
    "--redact",
    "x-api-key",
  ];

  before(async () => {
    lab = await startLab({ only: ["healthy-https", "headers-too-large", "empty-reply"] });
    dir = mkdtempSync(join(tmpdir(), "diag520-ticket-"));
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const origin of ["healthy-https", "headers-too-large", "empty-reply"]) {
    test(`${origin}: HAR valid, Markdown written, no secret anywhere`, async () => {
      const har = join(dir, `${origin}.har`);
      const md = join(dir, `${origin}.md`);
      const result = await runCli([...argsOf(origin), ...secretHeaders, "--har", har, "--report", md, "--json"]);
      assert.ok(result.code === 0 || result.code === 1, result.stderr);
      const report = outputDocumentSchema.parse(JSON.parse(result.stdout)) as Report;
      assert.deepEqual(harErrors(JSON.parse(readFileSync(har, "utf8"))), []);
      const markdown = readFileSync(md, "utf8");
      assert.match(markdown, /\*\*Verdict:\*\*/);
      assert.ok(markdown.includes(report.verdict.summary.slice(0, 30)));
      for (const text of [result.stdout, result.stderr, readFileSync(har, "utf8"), markdown]) {
        for (const secret of [BEARER, API_KEY, "c00kie-value-do-not-leak"]) assert.ok(!text.includes(secret), secret);
      }
      assert.ok(report.redacted.includes("authorization") && report.redacted.includes("x-api-key"));
      assert.match(report.reproduce.curl, /Authorization: \[REDACTED\]/);
      assert.deepEqual(
        readdirSync(dir).filter((f) => f.startsWith(".")),
        [],
        "no temporary file left behind",
      );
    });
  }

  test("Set-Cookie values from the origin are redacted too, and --no-redact shows them", async () => {
    const redacted = await runCli([...argsOf("headers-too-large"), "--json"]);
    const report = JSON.parse(redacted.stdout) as Report;
    const cookies = (phaseOf(report, "http")?.facts?.response.head?.headers ?? []).filter(([n]) =>
      /^set-cookie$/i.test(n),
    );
    assert.ok(cookies.length > 0);
    assert.ok(cookies.every(([, value]) => value === "[REDACTED]"));
    const shown = await runCli([...argsOf("headers-too-large"), "--json", "--no-redact", ...secretHeaders.slice(0, 2)]);
    assert.ok(shown.stdout.includes(BEARER));
    assert.deepEqual((JSON.parse(shown.stdout) as Report).redacted, []);
  });

  test("secrets that look like the report's own words leave its schema and structure intact", async () => {
    const har = join(dir, "plain-words.har");
    const words = [
      "--header",
      "Cookie: mode=https",
      "--header",
      "Authorization: Bearer complete",
      "--header",
      "X-Api-Key: http.empty_reply",
    ];
    const result = await runCli([
      ...argsOf("healthy-https"),
      ...words,
      "--redact",
      "x-api-key",
      "--har",
      har,
      "--json",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const report = outputDocumentSchema.parse(JSON.parse(result.stdout)) as Report;
    assert.equal(report.target.scheme, "https");
    assert.deepEqual(
      phasesOf(report).map((p) => p.name),
      ["dns", "tcp", "tls", "http"],
    );
    const entry = (JSON.parse(readFileSync(har, "utf8")) as { log: { entries: { response: { status: number } }[] } })
      .log.entries[0];
    assert.equal(entry?.response.status, 200);
    assert.match(report.reproduce.curl, /Cookie: \[REDACTED\]/);
    assert.ok(!result.stdout.includes("mode=https"));
  });

  test("--har - puts the HAR alone on stdout and the human report on stderr", async () => {
    const result = await runCli([...argsOf("empty-reply"), "--har", "-", "--no-color"]);
    assert.equal(result.code, 1);
    assert.deepEqual(harErrors(JSON.parse(result.stdout)), []);
    assert.match(result.stderr, /^✗ The CDN would answer 520/);
  });

  test("an artefact in a missing directory is a usage error found before any probe runs", async () => {
    const result = await runCli([...argsOf("empty-reply"), "--report", join(dir, "missing", "r.md")]);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.equal(result.stderr.trim().split("\n").length, 1);
    assert.match(result.stderr, /--report .*does not exist/);
    assert.equal(existsSync(join(dir, "missing")), false);
  });

  test("two artefacts on stdout, or one with --json, are usage errors", async () => {
    const both = await runCli([...argsOf("empty-reply"), "--har", "-", "--report", "-"]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /at most one artefact may be -/);
    const withJson = await runCli([...argsOf("empty-reply"), "--har", "-", "--json"]);
    assert.equal(withJson.code, 2);
    assert.match(withJson.stderr, /--har - and --json both write to stdout/);
  });
});
