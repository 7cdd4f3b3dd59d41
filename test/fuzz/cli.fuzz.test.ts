/**
 * The real binary against random responses: cases through `diag520 --json` (exit 0 or 1, one
 * document on stdout that parses against the published schema, nothing on stderr, within its
 * timeouts), one in five also through the human report (no raw control character reaches the
 * terminal). This tests the binary's wiring (arguments, output streams, exit code); what the
 * leg makes of each response is fuzzed in-process by http-leg.fuzz.test.ts. Each case is a
 * process start, so the default is 5 cases (6 process starts), a few seconds on a loaded 2-core
 * machine; FUZZ_CLI_RUNS=<n> runs more (e.g. FUZZ_CLI_RUNS=150 for a long run), FUZZ_SEED=<seed>
 * replays a failure.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { outputDocumentSchema } from "../../src/report/schema.js";
import { runCli } from "../support/run-cli.js";
import { type CaseOrigin, startCaseOrigin } from "./case-origin.js";
import { forEachLimited } from "./leg-properties.js";
import { describeCase, fuzzSeed, type ResponseCase, responseCase } from "./response-corpus.js";

const WORKERS = 4;
const TIMEOUT_SECONDS = 0.5;
/** dns + tcp + http phases each bounded by --timeout, plus start-up on a loaded machine. */
const LIMIT_MS = 3 * TIMEOUT_SECONDS * 1_000 + 5_000;
/** Anything that can drive a terminal: C0 but LF, DEL, C1, and bidi overrides. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const TERMINAL_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

function runs(): number {
  const given = Number(process.env.FUZZ_CLI_RUNS);
  return Number.isInteger(given) && given > 0 ? given : 5;
}

const origins: CaseOrigin[] = [];
const current: Array<ResponseCase | undefined> = [];
before(async () => {
  for (let worker = 0; worker < WORKERS; worker++) {
    origins.push(await startCaseOrigin(() => current[worker]));
  }
});
after(async () => {
  await Promise.all(origins.map((origin) => origin.close()));
});

function argsFor(port: number, json: boolean): string[] {
  const base = ["localhost", "--origin", "127.0.0.1", "--port", String(port), "--scheme", "http"];
  return [...base, "--timeout", String(TIMEOUT_SECONDS), ...(json ? ["--json"] : ["--no-color"])];
}

async function checkCase(port: number, human: boolean): Promise<string[]> {
  const found: string[] = [];
  const result = await runCli(argsFor(port, true), { limitMs: LIMIT_MS });
  if (result.killedAfterLimit) return [`--json: killed after ${LIMIT_MS} ms`];
  if (result.code !== 0 && result.code !== 1) found.push(`--json: exit ${result.code}`);
  if (result.stderr !== "") found.push(`--json: stderr ${JSON.stringify(result.stderr.slice(0, 500))}`);
  try {
    const doc = outputDocumentSchema.parse(JSON.parse(result.stdout));
    if (doc.kind !== "report") found.push(`--json: an error document: ${JSON.stringify(doc)}`);
    else if (doc.exitCode !== result.code) found.push(`--json: exitCode ${doc.exitCode} but exit ${result.code}`);
  } catch (error) {
    found.push(`--json: stdout does not parse against the schema: ${String(error).slice(0, 500)}`);
  }
  if (human) {
    const text = await runCli(argsFor(port, false), { limitMs: LIMIT_MS });
    if (text.code !== result.code) found.push(`human: exit ${text.code}, --json exit ${result.code}`);
    const control = TERMINAL_CONTROL.exec(text.stdout);
    if (control !== null) {
      const around = text.stdout.slice(Math.max(0, control.index - 60), control.index + 20);
      found.push(
        `human: raw U+${control[0].charCodeAt(0).toString(16)} reaches the terminal: ${JSON.stringify(around)}`,
      );
    }
    if (text.stderr !== "") found.push(`human: stderr ${JSON.stringify(text.stderr.slice(0, 500))}`);
  }
  return found;
}

describe("the real binary against random responses", () => {
  it("always exits 0 or 1 with one schema-valid document, and keeps the terminal safe", async (t) => {
    const seed = fuzzSeed();
    const items = fc.sample(responseCase, { seed, numRuns: runs() });
    const free = Array.from({ length: WORKERS }, (_, worker) => worker);
    const failures: string[] = [];
    const started = performance.now();
    await forEachLimited(items, WORKERS, async (item, index) => {
      const worker = free.pop() as number;
      current[worker] = item;
      const found = await checkCase(origins[worker]?.port ?? 0, index % 5 === 0);
      free.push(worker);
      if (found.length > 0 && failures.length < 5)
        failures.push(`case ${index}: ${describeCase(item)}\n    - ${found.join("\n    - ")}`);
    });
    const seconds = (performance.now() - started) / 1000;
    assert.deepEqual(failures, [], `seed ${seed} (replay with FUZZ_SEED=${seed}):\n${failures.join("\n")}`);
    t.diagnostic(
      `${items.length} cases (${Math.ceil(items.length / 5)} also rendered for a terminal) in ${seconds.toFixed(1)} s (seed ${seed})`,
    );
  });
});
