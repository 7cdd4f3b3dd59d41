import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { shellQuote } from "../../src/artifacts/shell-quote.js";
import { type LabCommandOptions, offLoopbackOrigin, runLabCommand } from "../../src/lab/lab-command.js";

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      stream.emit("written");
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

const originsModule = fileURLToPath(new URL("../../src/lab/lab-origins.js", import.meta.url));
let directory: string;
/** Stands in for bin/diag520.js: echoes its arguments and exits as the catalogue expects. */
let obedientCli: string;
/** Exits 0 whatever it is asked. */
let contentCli: string;

before(async () => {
  directory = await mkdtemp(join(tmpdir(), "diag520-lab-command-"));
  obedientCli = join(directory, "obedient.mjs");
  contentCli = join(directory, "content.mjs");
  await writeFile(
    obedientCli,
    `import { LAB_ORIGINS } from ${JSON.stringify(originsModule)};
const name = process.argv[2].split(".")[0];
console.log("report for " + name + ": " + process.argv.slice(3).join(" "));
process.exitCode = LAB_ORIGINS.find((origin) => origin.name === name).expectedExit;
`,
  );
  await writeFile(contentCli, `console.log("all good");\n`);
});
after(() => rm(directory, { recursive: true, force: true }));

function options(overrides: Partial<LabCommandOptions>): {
  opts: LabCommandOptions;
  stdout: () => string;
  stderr: () => string;
  stderrStream: Writable;
} {
  const out = collector();
  const err = collector();
  return {
    opts: {
      demo: false,
      json: false,
      stdout: out.stream,
      stderr: err.stream,
      signal: AbortSignal.abort(),
      cliPath: obedientCli,
      execPath: process.execPath,
      ...overrides,
    },
    stdout: out.text,
    stderr: err.text,
    stderrStream: err.stream,
  };
}

test("shellQuote leaves plain arguments alone and single-quotes the rest", () => {
  assert.equal(shellQuote("--port"), "--port");
  assert.equal(shellQuote("127.0.0.1:5353"), "127.0.0.1:5353");
  assert.equal(shellQuote("/tmp/a b/ca.pem"), "'/tmp/a b/ca.pem'");
  assert.equal(shellQuote("X-A: it's"), `'X-A: it'\\''s'`);
});

test("lab prints every origin with the command that diagnoses it, and stops on abort", async () => {
  const controller = new AbortController();
  const run = options({ signal: controller.signal });
  const exit = runLabCommand(run.opts);
  // Readiness: the table is written once every server listens.
  while (!run.stderr().includes("Ctrl-C")) await once(run.stderrStream, "written");
  controller.abort();
  assert.equal(await exit, 0);
  const table = run.stdout();
  assert.match(table, /empty-reply +reads the request, then closes without sending a byte\n/);
  assert.match(
    table,
    /diag520 empty-reply\.lab\.diag520\.test --origin 127\.0\.0\.1 --port \d+ --scheme http --dns-server 127\.0\.0\.1:\d+ --ca-file \S+ --edge-address 127\.0\.0\.1:\d+\n/,
  );
  assert.match(table, /tcp-timeout .*\n.*not served by the lab: needs a network namespace/);
});

test("lab --json prints one JSON document describing the running origins", async () => {
  const run = options({ json: true });
  assert.equal(await runLabCommand(run.opts), 0);
  const document = JSON.parse(run.stdout());
  const emptyReply = document.origins.find((origin: { name: string }) => origin.name === "empty-reply");
  assert.deepEqual(emptyReply.expectedCodes, ["http.empty_reply"]);
  assert.equal(emptyReply.args[0], "empty-reply.lab.diag520.test");
  assert.deepEqual(
    document.notServed.map((origin: { name: string }) => origin.name),
    ["tcp-timeout", "tcp-unreachable"],
  );
});

test("lab --demo runs the CLI per origin with --no-color and exits 0 when every exit code matches", async () => {
  const run = options({ demo: true, signal: new AbortController().signal, only: ["healthy-http", "empty-reply"] });
  assert.equal(await runLabCommand(run.opts), 0);
  const output = run.stdout();
  assert.match(output, /=== empty-reply: reads the request/);
  assert.match(output, /report for empty-reply: --origin 127\.0\.0\.1 --port \d+ .*--no-color\n/);
  assert.match(output, /ok +healthy-http +exit 0, expected exit 0 \(no error\)/);
  assert.match(output, /ok +empty-reply +exit 1, expected exit 1 \(http\.empty_reply\)/);
  assert.match(output, /2\/2 matched\n$/);
});

test("lab --demo exits 1 and names the origin whose exit code did not match", async () => {
  const run = options({
    demo: true,
    signal: new AbortController().signal,
    cliPath: contentCli,
    only: ["healthy-http", "empty-reply"],
  });
  assert.equal(await runLabCommand(run.opts), 1);
  assert.match(run.stdout(), /MISMATCH empty-reply +exit 0, expected exit 1/);
  assert.match(run.stdout(), /1\/2 matched\n$/);
});

test("lab --demo shows but never runs a command whose --origin lies outside loopback", async () => {
  const run = options({ demo: true, signal: new AbortController().signal, only: ["origin-is-cdn", "healthy-http"] });
  assert.equal(await runLabCommand(run.opts), 0);
  const output = run.stdout();
  assert.match(output, /\$ diag520 origin-is-cdn\.lab\.diag520\.test --origin 104\.16\.0\.1 /);
  assert.doesNotMatch(output, /report for origin-is-cdn/);
  assert.match(output, /skipped +origin-is-cdn +not run: --origin 104\.16\.0\.1 is outside loopback/);
  assert.match(output, /1\/1 matched\n$/);
});

test("offLoopbackOrigin names only an --origin address outside loopback", () => {
  assert.equal(offLoopbackOrigin(["h", "--origin", "104.16.0.1"]), "104.16.0.1");
  assert.equal(offLoopbackOrigin(["h", "--origin", "127.0.0.1", "--port", "1"]), null);
  assert.equal(offLoopbackOrigin(["h", "--origin", "::1"]), null);
  assert.equal(offLoopbackOrigin(["h", "--origin", "missing-origin.lab.diag520.test"]), null);
  assert.equal(offLoopbackOrigin(["h", "--port", "80"]), null);
});
