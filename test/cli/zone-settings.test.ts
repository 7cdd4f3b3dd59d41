/**
 * --ssl-mode, --no-h2 and --cert-warn-days from the command line, in-process: what each implies
 * for the request (scheme, port, mode, HTTP/2 offer), and one row per rejected input, pinned to its
 * message.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseCommandLine } from "../../src/cli/command-line.js";
import { UsageError } from "../../src/errors.js";

async function parsed(args: readonly string[]) {
  const command = await parseCommandLine(["example.com", ...args], {});
  assert.ok(command.kind === "diagnose");
  return command;
}

const ACCEPTED: ReadonlyArray<{
  readonly args: readonly string[];
  readonly scheme: "http" | "https";
  readonly port: number;
  readonly sslMode: string;
}> = [
  { args: [], scheme: "https", port: 443, sslMode: "strict" },
  { args: ["--ssl-mode", "strict"], scheme: "https", port: 443, sslMode: "strict" },
  { args: ["--ssl-mode", "full"], scheme: "https", port: 443, sslMode: "full" },
  { args: ["--ssl-mode", "flexible"], scheme: "http", port: 80, sslMode: "flexible" },
  { args: ["--ssl-mode", "off"], scheme: "http", port: 80, sslMode: "off" },
  { args: ["--ssl-mode", "full", "--port", "8443"], scheme: "https", port: 8443, sslMode: "full" },
  // --scheme alone still works, and implies the mode that talks that way.
  { args: ["--scheme", "http"], scheme: "http", port: 80, sslMode: "flexible" },
  { args: ["--scheme", "https"], scheme: "https", port: 443, sslMode: "strict" },
  // Both, agreeing.
  { args: ["--ssl-mode", "flexible", "--scheme", "http"], scheme: "http", port: 80, sslMode: "flexible" },
  { args: ["--ssl-mode", "full", "--scheme", "https"], scheme: "https", port: 443, sslMode: "full" },
];

const REJECTED: ReadonlyArray<{ readonly args: readonly string[]; readonly message: RegExp }> = [
  { args: ["--ssl-mode", "Strict"], message: /^invalid --ssl-mode 'Strict': use off, flexible, full or strict$/ },
  { args: ["--ssl-mode", "full-strict"], message: /^invalid --ssl-mode 'full-strict'/ },
  {
    args: ["--ssl-mode", "flexible", "--scheme", "https"],
    message:
      /^--ssl-mode flexible talks http to the origin, but --scheme says https: drop it, or use --ssl-mode full or strict$/,
  },
  {
    args: ["--ssl-mode", "strict", "--scheme", "http"],
    message:
      /^--ssl-mode strict talks https to the origin, but --scheme says http: drop it, or use --ssl-mode off or flexible$/,
  },
  {
    args: ["--cert-warn-days", "-1"],
    message: /^invalid --cert-warn-days '-1': give a whole number of days from 0 to 3650$/,
  },
  { args: ["--cert-warn-days", "1.5"], message: /^invalid --cert-warn-days '1\.5'/ },
  { args: ["--cert-warn-days", "4000"], message: /^invalid --cert-warn-days '4000'/ },
];

describe("--ssl-mode implies the scheme and the port", () => {
  for (const row of ACCEPTED) {
    test(`${row.args.join(" ") || "(nothing)"} → ${row.scheme}:${row.port}, ${row.sslMode}`, async () => {
      const { request } = await parsed(row.args);
      assert.equal(request.scheme, row.scheme);
      assert.equal(request.port, row.port);
      assert.equal(request.sslMode, row.sslMode);
    });
  }
});

describe("--no-h2 and --cert-warn-days", () => {
  test("HTTP/2 to Origin is on unless --no-h2", async () => {
    assert.equal((await parsed([])).request.http2ToOrigin, true);
    assert.equal((await parsed(["--no-h2"])).request.http2ToOrigin, false);
  });

  test("--cert-warn-days: 14 by default; 0 turns the warning off", async () => {
    assert.equal((await parsed([])).options.certWarnDays, 14);
    assert.equal((await parsed(["--cert-warn-days", "30"])).options.certWarnDays, 30);
    assert.equal((await parsed(["--cert-warn-days", "0"])).options.certWarnDays, 0);
  });
});

describe("rejected zone settings: one line each", () => {
  for (const row of REJECTED) {
    test(row.args.join(" "), async () => {
      await assert.rejects(parseCommandLine(["example.com", ...row.args], {}), (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.match(error.message, row.message);
        return true;
      });
    });
  }
});
