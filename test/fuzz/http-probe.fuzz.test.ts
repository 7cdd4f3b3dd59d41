/**
 * The real http probe against thousands of responses from one loopback server: every seed cut
 * at every offset of its head, then random cases (mutated valid responses, random bytes) drawn
 * from a printed seed. Replay a failure with FUZZ_SEED=<seed>; FUZZ_RUNS=<n> runs more cases.
 */
import "../support/loopback-guard.js";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { type CaseOrigin, startCaseOrigin } from "./case-origin.js";
import { forEachLimited, probeOnce, violations } from "./probe-properties.js";
import {
  describeCase,
  fuzzRuns,
  fuzzSeed,
  type ResponseCase,
  responseCase,
  truncationCases,
} from "./response-corpus.js";

/** Short, so that a case left open costs little; the margin is generous for a loaded 2-core machine. */
const DEADLINE_MS = 250;
const MARGIN_MS = 1_500;
const CONCURRENCY = 16;

let origin: CaseOrigin;
before(async () => {
  origin = await startCaseOrigin();
});
after(async () => {
  await origin.close();
});

async function runCases(items: readonly ResponseCase[], label: string, seed: number | null): Promise<string> {
  const failures: string[] = [];
  const started = performance.now();
  await forEachLimited(items, CONCURRENCY, async (item, index) => {
    const outcome = await probeOnce(origin.port, DEADLINE_MS, (clientPort) => origin.expect(clientPort, item));
    const found = violations(outcome, DEADLINE_MS, MARGIN_MS);
    if (found.length > 0 && failures.length < 5) {
      failures.push(`case ${index}: ${describeCase(item)}\n    - ${found.join("\n    - ")}`);
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const replay = seed === null ? "" : ` (seed ${seed}; replay with FUZZ_SEED=${seed})`;
  assert.deepEqual(failures, [], `${label}${replay}:\n${failures.join("\n")}`);
  return `${items.length} ${label} in ${seconds.toFixed(1)} s${replay}`;
}

describe("the http probe against every shape of response", () => {
  it("survives every seed response cut at every offset of its head", async (t) => {
    t.diagnostic(await runCases(truncationCases(), "truncation cases", null));
  });

  it("survives mutated responses and random bytes", async (t) => {
    const seed = fuzzSeed();
    const items = fc.sample(responseCase, { seed, numRuns: fuzzRuns(3_000) });
    t.diagnostic(await runCases(items, "random cases", seed));
  });
});
