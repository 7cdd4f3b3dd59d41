/**
 * Bad input: exit 2, exactly one line on stderr naming the argument and what would be valid,
 * nothing on stdout — or, with --json, one JSON error document on stdout as well.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { outputDocumentSchema } from "../../src/report/schema.js";
import { runCli } from "../support/run-cli.js";

const ROWS: ReadonlyArray<{ readonly args: readonly string[]; readonly message: RegExp }> = [
  { args: [], message: /missing required argument 'hostname'/ },
  { args: ["exa mple.com"], message: /invalid hostname 'exa mple\.com': it contains whitespace/ },
  { args: ["example..com"], message: /invalid hostname 'example\.\.com': it has an empty label/ },
  { args: [`${"a".repeat(64)}.com`], message: /label 'a{20}…' is 64 characters long; the limit is 63/ },
  { args: [`${"abcdefghi.".repeat(26)}com`], message: /is 263 characters long; the limit is 253/ },
  { args: ["my_site.example.com"], message: /label 'my_site' has '_'/ },
  { args: ["https://example.com/"], message: /give the bare hostname/ },
  { args: ["999.1.1.1"], message: /looks like an IPv4 address but is not one/ },
  { args: ["example.com", "--origin", "999.1.1.1"], message: /invalid --origin '999\.1\.1\.1': it looks like an IPv4 address/ },
  { args: ["example.com", "--origin", "1.2.3"], message: /invalid --origin '1\.2\.3'/ },
  { args: ["example.com", "--origin", "::g"], message: /invalid --origin '::g': not an IPv6 address/ },
  { args: ["example.com", "--origin", "[2001:db8::1]:443"], message: /invalid --origin '\[2001:db8::1\]:443': give the address without a port/ },
  { args: ["example.com", "--port", "0"], message: /invalid --port '0': ports run from 1 to 65535/ },
  { args: ["example.com", "--port", "65536"], message: /invalid --port '65536'/ },
  { args: ["example.com", "--port", "70000"], message: /invalid --port '70000'/ },
  { args: ["example.com", "--port", "abc"], message: /invalid --port 'abc': give a whole number from 1 to 65535/ },
  { args: ["example.com", "--header", "NoColon"], message: /invalid --header 'NoColon': write it as 'Name: value'/ },
  { args: ["example.com", "--header", "X-A: b\r\nX-Injected: 1"], message: /invalid --header 'X-A': the value may not contain CR, LF or NUL/ },
  { args: ["example.com", "--header", "Bad Name: x"], message: /invalid --header 'Bad Name: x': the name 'Bad Name'/ },
  { args: ["example.com", "--timeout", "-1"], message: /invalid --timeout '-1'/ },
  { args: ["example.com", "--timeout", "0"], message: /invalid --timeout '0': give a number of seconds greater than 0/ },
  { args: ["example.com", "--timeout", "soon"], message: /invalid --timeout 'soon'/ },
  { args: ["example.com", "--scheme", "ftp"], message: /invalid --scheme 'ftp': use http or https/ },
  { args: ["example.com", "--path", "login"], message: /invalid --path 'login': it must start with '\/'/ },
  { args: ["example.com", "--max-header-size", "lots"], message: /invalid --max-header-size 'lots'/ },
  { args: ["example.com", "--ca-file", "/nonexistent/ca.pem"], message: /invalid --ca-file '\/nonexistent\/ca\.pem': cannot read it \(ENOENT\)/ },
  { args: ["example.com", "--dns-server", "resolver.example"], message: /invalid --dns-server 'resolver\.example'/ },
  { args: ["example.com", "--frobnicate"], message: /unknown option '--frobnicate'/ },
];

describe("usage errors", { concurrency: 4 }, () => {
  for (const row of ROWS) {
    test(`${JSON.stringify(row.args)} → exit 2, one line`, async () => {
      const result = await runCli(row.args);
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stdout, "");
      const lines = result.stderr.split("\n").filter((line) => line !== "");
      assert.equal(lines.length, 1, `stderr: ${result.stderr}`);
      assert.match(lines[0] ?? "", row.message);
      assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
    });
  }

  test("with --json, the error is also a JSON document on stdout", async () => {
    const result = await runCli(["example.com", "--port", "0", "--json"]);
    assert.equal(result.code, 2);
    const doc = outputDocumentSchema.parse(JSON.parse(result.stdout));
    assert.equal(doc.kind, "error");
    assert.ok(doc.kind === "error" && doc.error.type === "usage" && /--port/.test(doc.error.message));
    assert.equal(result.stderr.trim().split("\n").length, 1);
  });
});
