/**
 * Bad input: exit 2, exactly one line on stderr naming the argument and what would be valid,
 * nothing on stdout — or, with --json, one JSON error document on stdout as well.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parseCommandLine } from "../../src/cli/command-line.js";
import { UsageError } from "../../src/errors.js";
import { toOneLine } from "../../src/input/usage-message.js";
import { outputDocumentSchema } from "../../src/report/schema.js";
import { repoRoot } from "../support/paths.js";
import { runCli } from "../support/run-cli.js";

const ROWS: ReadonlyArray<{ readonly args: readonly string[]; readonly message: RegExp }> = [
  { args: [], message: /missing required argument 'target'/ },
  { args: ["exa mple.com"], message: /invalid hostname 'exa mple\.com': it contains whitespace/ },
  { args: ["example..com"], message: /invalid hostname 'example\.\.com': it has an empty label/ },
  { args: [`${"a".repeat(64)}.com`], message: /label 'a{20}…' is 64 characters long; the limit is 63/ },
  { args: [`${"abcdefghi.".repeat(26)}com`], message: /is 263 characters long; the limit is 253/ },
  { args: ["my_site.example.com"], message: /label 'my_site' has '_'/ },
  {
    args: ["ftp://example.com/"],
    message: /invalid target URL 'ftp:\/\/example\.com\/': use an http:\/\/ or https:\/\/ URL/,
  },
  { args: ["https://user:pw@example.com/"], message: /leave out the user name and password/ },
  {
    args: ["https://example.com:8443/", "--port", "443"],
    message: /the URL says port 8443 but --port says 443: give one/,
  },
  {
    args: ["http://example.com/", "--scheme", "https"],
    message: /the URL says scheme http but --scheme says https: give one/,
  },
  { args: ["https://example.com/a", "--path", "/b"], message: /the URL says path \/a but --path says \/b: give one/ },
  { args: ["labb"], message: /^diag520: unknown command 'labb' \(did you mean lab\?\)$/ },
  { args: ["sitename"], message: /'sitename' is neither a command nor a hostname behind a CDN/ },
  { args: ["lab", "--port", "8080"], message: /diag520 lab does not take --port/ },
  { args: ["example.com", "--port", "1", "--port", "2"], message: /--port is given twice \('1', '2'\); give it once/ },
  {
    args: ["example.com", "--path", "/a#top"],
    message: /invalid --path '\/a#top': a '#fragment' is never sent to a server/,
  },
  {
    args: ["example.com", "--origin", "[::1]:0"],
    message: /invalid --origin '\[::1\]:0': the port must be a number from 1 to 65535/,
  },
  { args: ["example.com", "--host-header", "a b"], message: /invalid --host-header 'a b'/ },
  { args: ["999.1.1.1"], message: /looks like an IPv4 address but is not one/ },
  {
    args: ["example.com", "--origin", "999.1.1.1"],
    message: /invalid --origin '999\.1\.1\.1': it looks like an IPv4 address/,
  },
  { args: ["example.com", "--origin", "1.2.3"], message: /invalid --origin '1\.2\.3'/ },
  { args: ["example.com", "--origin", "::g"], message: /invalid --origin '::g': not an IPv6 address/ },
  {
    args: ["example.com", "--origin", "[2001:db8::1]:443", "--port", "8443"],
    message: /--origin says port 443 but --port says 8443: give one/,
  },
  { args: ["example.com", "--port", "0"], message: /invalid --port '0': ports run from 1 to 65535/ },
  { args: ["example.com", "--port", "65536"], message: /invalid --port '65536'/ },
  { args: ["example.com", "--port", "70000"], message: /invalid --port '70000'/ },
  { args: ["example.com", "--port", "abc"], message: /invalid --port 'abc': give a whole number from 1 to 65535/ },
  {
    args: ["example.com", "--header", "NoColon"],
    message: /invalid --header 'NoColon': it has no colon; write it as 'Name: value'/,
  },
  {
    args: ["example.com", "--header", "Authorization Bearer s3cr3t"],
    message: /^diag520: invalid --header 'Authorization…': it has no colon; write it as 'Name: value'$/,
  },
  {
    args: ["example.com", "--header", "X-A: b\r\nX-Injected: 1"],
    message: /invalid --header 'X-A': the value may not contain CR, LF or NUL/,
  },
  {
    args: ["example.com", "--header", "Bad Name: s3cr3t"],
    message: /^diag520: invalid --header 'Bad Name': the name may hold only token/,
  },
  { args: ["example.com", "--timeout", "-1"], message: /invalid --timeout '-1'/ },
  {
    args: ["example.com", "--timeout", "0"],
    message: /invalid --timeout '0': give a number of seconds greater than 0/,
  },
  { args: ["example.com", "--timeout", "soon"], message: /invalid --timeout 'soon'/ },
  { args: ["example.com", "--scheme", "ftp"], message: /invalid --scheme 'ftp': use http or https/ },
  { args: ["example.com", "--path", "login"], message: /invalid --path 'login': it must start with '\/'/ },
  { args: ["example.com", "--max-header-size", "lots"], message: /invalid --max-header-size 'lots'/ },
  {
    args: ["example.com", "--ca-file", "/nonexistent/ca.pem"],
    message: /invalid --ca-file '\/nonexistent\/ca\.pem': cannot read it \(ENOENT\)/,
  },
  { args: ["example.com", "--dns-server", "resolver.example"], message: /invalid --dns-server 'resolver\.example'/ },
  {
    args: ["example.com", "--dns-server", "127.0.0.1:0"],
    message: /invalid --dns-server '127\.0\.0\.1:0': the port must be from 1 to 65535/,
  },
  { args: ["example.com", "--frobnicate"], message: /unknown option '--frobnicate'; diag520 --help lists the options/ },
  // Issue 4, point 4: the rest of the list.
  { args: ["1.2.3"], message: /invalid hostname '1\.2\.3': it looks like an IPv4 address but is not one/ },
  { args: ["::g"], message: /invalid hostname '::g': not a hostname; an IPv6 address goes without brackets/ },
  { args: ["[::1]:443"], message: /invalid hostname '\[::1\]:443': .*the port goes in --port/ },
  {
    args: ["example.com", "--origin", "203.0.113.7:99999"],
    message: /invalid --origin '203\.0\.113\.7:99999': the port must be a number from 1 to 65535/,
  },
  {
    args: ["example.com", "--origin", ""],
    message: /invalid --origin '': it is empty; give a name such as example\.com/,
  },
  { args: ["ex%61mple.com"], message: /invalid hostname 'ex%61mple\.com': '%' is not allowed/ },
  { args: [`${"a".repeat(60)}ü.example`], message: /label 'xn--a{16}…' is 6\d characters long; the limit is 63/ },
  {
    args: ["example.com", "--header", "X-A: b\nX-Injected: 1"],
    message: /invalid --header 'X-A': the value may not contain CR, LF or NUL/,
  },
  {
    args: ["example.com", "--header", "X-A\r: b"],
    message: /invalid --header 'X-A\\x0d': the name may hold only token/,
  },
  { args: ["example.com", "--header", ": b"], message: /invalid --header: the name before the colon is empty/ },
  {
    args: ["example.com", "--timeout", "NaN"],
    message: /invalid --timeout 'NaN': give a number of seconds greater than 0/,
  },
  { args: ["example.com", "--timeout", "Infinity"], message: /invalid --timeout 'Infinity'/ },
  { args: ["example.com", "--timeout", "0.0001"], message: /invalid --timeout '0\.0001': at least 0\.001 seconds/ },
  { args: ["example.com", "--timeout"], message: /option '--timeout <seconds>' argument missing/ },
  {
    args: ["example.com", "--max-time", "0"],
    message: /invalid --max-time '0': give a number of seconds greater than 0/,
  },
  { args: ["example.com", "--max-time", "-5"], message: /invalid --max-time '-5'/ },
  { args: ["example.com", "--max-time", "later"], message: /invalid --max-time 'later'/ },
  {
    args: ["example.com", "--max-body", "0"],
    message: /invalid --max-body '0': give a whole number of bytes from 1 to/,
  },
  {
    args: ["example.com", "--ca-file", tmpdir()],
    message: /invalid --ca-file '.+': it is a directory; give the path of a PEM file/,
  },
  { args: ["example.com", "--ca-file", ""], message: /invalid --ca-file '': it is empty/ },
  {
    args: ["example.com", "--ca-file", join(repoRoot, "package.json")],
    message: /invalid --ca-file '.+': no PEM certificate/,
  },
  ...(existsSync("/dev/zero")
    ? [
        {
          args: ["example.com", "--ca-file", "/dev/zero"],
          message: /invalid --ca-file '\/dev\/zero': it is larger than \d+ bytes/,
        },
      ]
    : []),
  { args: ["example.com", "--jsn"], message: /unknown option '--jsn' \(did you mean --json\?\)$/ },
  { args: ["example.com", "extra"], message: /too many arguments.*give one hostname/ },
  // No byte form the user could be sure of: refused here, not an internal error when the request is built.
  {
    args: ["example.com", "--header", "X-Name: 日本"],
    message: /invalid --header 'X-Name': the value must be printable ASCII/,
  },
  {
    args: ["example.com", "--user-agent", "bücher-bot"],
    message: /invalid --user-agent 'bücher-bot': the value must be printable ASCII/,
  },
  // What the user typed is quoted back escaped: it may not split the line or drive the terminal.
  {
    args: ["exa\nmple.com"],
    message: /invalid hostname 'exa\\nmple\.com': it contains whitespace or control characters/,
  },
  {
    args: ["example.com", "--frob\x1b[2J\x1b]0;pwned\x07"],
    message: /unknown option '--frob\\x1b\[2J\\x1b\]0;pwned\\x07'/,
  },
  { args: ["example.com", "--path", "/a\rb"], message: /invalid --path '\/a\\x0db': use only visible ASCII/ },
];

/** Exactly one line: one newline, at the end, and no control character before it. */
function assertOneLine(stderr: string): string {
  assert.ok(stderr.endsWith("\n") && stderr.indexOf("\n") === stderr.length - 1, `one line: ${JSON.stringify(stderr)}`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must not appear
  assert.doesNotMatch(stderr.slice(0, -1), /[\u0000-\u001f\u007f-\u009f]/, "control characters are escaped");
  assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
  return stderr.slice(0, -1);
}

/** The line the CLI prints for a usage error, computed in-process from the parser's rejection. */
async function usageLine(args: readonly string[]): Promise<string> {
  try {
    await parseCommandLine(args, {});
  } catch (error) {
    assert.ok(error instanceof UsageError, `a usage error, not ${String(error)}`);
    return `diag520: ${toOneLine(error.message)}\n`;
  }
  assert.fail(`${JSON.stringify(args)} was accepted`);
}

// Every row in-process: the parser is a pure function of the arguments.
describe("usage errors: each rejected input, one line naming the argument", () => {
  for (const row of ROWS) {
    test(`${JSON.stringify(row.args)}`, async () => {
      assert.match(assertOneLine(await usageLine(row.args)), row.message);
    });
  }
});

// The wiring, through the real binary, for a few rows: exit 2, the line on stderr, and with --json the document.
const WIRED = [0, 1, 10, 16, ROWS.length - 2].map((index) => ROWS[index] as (typeof ROWS)[number]);

describe("usage errors through the binary", { concurrency: 4 }, () => {
  for (const row of WIRED) {
    test(`${JSON.stringify(row.args)} → exit 2, one line, nothing on stdout`, async () => {
      const result = await runCli(row.args);
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stdout, "");
      assert.match(assertOneLine(result.stderr), row.message);
      assert.equal(result.stderr, await usageLine(row.args));
    });

    test(`--json ${JSON.stringify(row.args)} → exit 2, one line, an error document`, async () => {
      const result = await runCli(["--json", ...row.args]);
      assert.equal(result.code, 2, result.stderr);
      const line = assertOneLine(result.stderr);
      assert.match(line, row.message);
      const doc = outputDocumentSchema.parse(JSON.parse(result.stdout));
      assert.ok(doc.kind === "error", result.stdout);
      assert.equal(doc.error.type, "usage");
      assert.equal(doc.exitCode, 2);
      assert.equal(`diag520: ${doc.error.message}`, line);
    });
  }
});
