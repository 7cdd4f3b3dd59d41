/**
 * "Reproduce means reproduce": the printed curl line, run as printed, fails or succeeds as the
 * diagnosis did — the same address, Host and SNI, the same TLS offer, the same trust (--cacert
 * for --ca-file). Each line is run by sh, against the lab on loopback; curl's exit code is what
 * the diagnosis predicts (curl's documented codes: 7 refused, 52 empty reply, 60 certificate).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { parseCommandLine } from "../../src/cli/command-line.js";
import { diagnose } from "../../src/diagnose.js";
import { type Lab, startLab } from "../../src/lab/lab.js";

const CASES = [
  { origin: "healthy-https", curlExit: 0, verdict: "pass" },
  { origin: "tls-expired", curlExit: 60, verdict: "fail" },
  { origin: "tls-self-signed", curlExit: 60, verdict: "fail" },
  { origin: "empty-reply", curlExit: 52, verdict: "fail" },
  { origin: "connection-refused", curlExit: 7, verdict: "fail" },
] as const;

const curlAvailable = await new Promise<boolean>((resolve) =>
  execFile("curl", ["--version"], (error) => resolve(!error)),
);

describe("the reproduction command, run as printed", { skip: curlAvailable ? false : "curl is not installed" }, () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab({ only: CASES.map((c) => c.origin) });
  });
  after(() => lab.close());

  for (const item of CASES) {
    test(`${item.origin}: the diagnosis says ${item.verdict}, curl exits ${item.curlExit}`, async () => {
      const running = lab.origins.find((o) => o.origin.name === item.origin);
      assert.ok(running);
      const command = await parseCommandLine([...running.args], {});
      assert.ok(command.kind === "diagnose");
      const { report } = await diagnose(command.request, { ...command.options, caFile: command.output.caFile });
      assert.equal(report.verdict.status, item.verdict);
      if (running.origin.scheme === "https") assert.match(report.reproduce.curl, / --cacert /);
      const exit = await new Promise<number | null>((resolve) => {
        const child = execFile("sh", ["-c", report.reproduce.curl], { timeout: 20_000 }, () => resolve(child.exitCode));
      });
      assert.equal(exit, item.curlExit, report.reproduce.curl);
    });
  }
});
