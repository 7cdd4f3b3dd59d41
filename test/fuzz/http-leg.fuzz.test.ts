/**
 * The real origin leg and its checks against many responses from one loopback server: every seed
 * cut in its head, then random cases (mutated valid responses, random bytes) drawn from a printed
 * seed. By default the seeds are cut only next to a delimiter and 150 random cases are drawn, so
 * that this file stays within a few seconds on a loaded 2-core machine. FUZZ_RUNS=<n> makes it a
 * long run: every seed cut at every offset, and n random cases (e.g. FUZZ_RUNS=5000);
 * FUZZ_SEED=<seed> replays a failure.
 */
import "../support/loopback-guard.js";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { type CaseOrigin, startCaseOrigin } from "./case-origin.js";
import { forEachLimited, legOnce, violations } from "./leg-properties.js";
import {
  describeCase,
  fuzzRuns,
  fuzzSeed,
  longFuzzRun,
  type ResponseCase,
  responseCase,
  truncationCases,
} from "./response-corpus.js";

/**
 * Short, so that a case left open (random cases, 2 in 11 keep the connection open) costs little;
 * the margin is generous for a loaded 2-core machine. The truncation cases all close, so they
 * never wait for the deadline: theirs is long, so that a busy machine cannot make it fire first.
 */
const DEADLINE_MS = 500;
const CLOSING_DEADLINE_MS = 3_000;
const MARGIN_MS = 1_500;
const CONCURRENCY = 16;
const DEFAULT_RANDOM_CASES = 150;

let origin: CaseOrigin;
before(async () => {
  origin = await startCaseOrigin();
});
after(async () => {
  await origin.close();
});

async function runCases(
  items: readonly ResponseCase[],
  label: string,
  seed: number | null,
  deadlineMs = DEADLINE_MS,
): Promise<string> {
  const failures: string[] = [];
  const started = performance.now();
  await forEachLimited(items, CONCURRENCY, async (item, index) => {
    const id = `${label}-${index}`;
    origin.expect(id, item);
    const outcome = await legOnce(origin, id, deadlineMs, MARGIN_MS);
    const found = violations(outcome, deadlineMs, MARGIN_MS);
    if (found.length > 0 && failures.length < 5) {
      failures.push(`case ${index}: ${describeCase(item)}\n    - ${found.join("\n    - ")}`);
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const replay = seed === null ? "" : ` (seed ${seed}; replay with FUZZ_SEED=${seed})`;
  assert.deepEqual(failures, [], `${label}${replay}:\n${failures.join("\n")}`);
  return `${items.length} ${label} in ${seconds.toFixed(1)} s${replay}`;
}

describe("the origin leg against every shape of response", () => {
  it("survives every seed response cut in its head", async (t) => {
    const cases = truncationCases(longFuzzRun());
    assert.ok(cases.every((item) => item.ending === "close"));
    t.diagnostic(await runCases(cases, "truncation cases", null, CLOSING_DEADLINE_MS));
  });

  it("survives mutated responses and random bytes", async (t) => {
    const seed = fuzzSeed();
    const items = fc.sample(responseCase, { seed, numRuns: fuzzRuns(DEFAULT_RANDOM_CASES) });
    t.diagnostic(await runCases(items, "random cases", seed));
  });
});
