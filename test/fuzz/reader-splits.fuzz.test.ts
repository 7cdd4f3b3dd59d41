/**
 * The response reader must not depend on how the bytes were cut into socket reads: the same
 * bytes, fed whole, one byte at a time or in random pieces, give the same record and the same
 * findings. Pure (no sockets). By default it draws 300 cases, a few seconds on a loaded 2-core
 * machine; FUZZ_RUNS=<n> draws more (e.g. FUZZ_RUNS=5000 for a long run), FUZZ_SEED=<seed>
 * replays a failure.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { responseFindings } from "../../src/checks/http.js";
import type { ExchangeEnd } from "../../src/http/exchange.js";
import { ResponseReader } from "../../src/http/response-reader.js";
import { DEFAULTS } from "../../src/options.js";
import { fuzzRuns, fuzzSeed, responseCase } from "./response-corpus.js";

const OPTIONS = { method: "GET", maxHeaderSize: DEFAULTS.maxHeaderSize, maxBodyBytes: 4096 };
const DEFAULT_RUNS = 300;

interface Observed {
  /** Everything observable but the chunk-error excerpt, as JSON. */
  readonly json: string;
  /** The bytes shown for a broken chunk: the rest of the read it was found in, so it depends on the split. */
  readonly chunkErrorBytes: string;
}

/** Feeds `pieces` of `bytes`, then a clean close if the reader still wants bytes. */
function readInPieces(bytes: Buffer, pieces: readonly number[]): Observed {
  const reader = new ResponseReader(OPTIONS);
  let offset = 0;
  for (const size of [...pieces, bytes.length]) {
    if (reader.finished || offset >= bytes.length) break;
    reader.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  const finished = reader.finished;
  if (!finished) reader.endOfStream();
  const record = reader.record();
  const end: ExchangeEnd = {
    kind: reader.finished ? "complete" : "closed",
    errorCode: null,
    during: "read",
    elapsedMs: 1,
    stop: null,
  };
  const findings = responseFindings(record, end, OPTIONS, { leg: "origin", phase: "http" });
  // bytesReceived and unreadBytes depend on how much of the last read was beyond the stop: not compared.
  const { bytesReceived, unreadBytes, firstBytes, chunkError, ...rest } = record;
  const chunkErrorBytes = chunkError?.bytes ?? "";
  const withoutExcerpt = findings.map((f) => (f.evidence.bytes === chunkErrorBytes ? { ...f, evidence: {} } : f));
  const json = JSON.stringify({
    ...rest,
    chunkError: chunkError && { ...chunkError, bytes: null },
    body: record.body.toString("latin1"),
    findings: withoutExcerpt,
  });
  return { json, chunkErrorBytes };
}

function assertSame(split: Observed, whole: Observed, how: string): void {
  assert.equal(split.json, whole.json, how);
  assert.ok(whole.chunkErrorBytes.startsWith(split.chunkErrorBytes), `${how}: the chunk-error excerpt`);
}

describe("the response reader, fed the same bytes in different pieces", () => {
  it("gives the same record and findings however the bytes are split", (t) => {
    const seed = fuzzSeed();
    const runs = fuzzRuns(DEFAULT_RUNS);
    const splits = fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 30 });
    fc.assert(
      fc.property(responseCase, splits, (item, pieces) => {
        const whole = readInPieces(item.bytes, []);
        assertSame(readInPieces(item.bytes, pieces), whole, "random pieces");
        if (item.bytes.length <= 2_000) {
          assertSame(readInPieces(item.bytes, Array(item.bytes.length).fill(1)), whole, "one byte at a time");
        }
      }),
      { seed, numRuns: runs },
    );
    t.diagnostic(`${runs} cases (seed ${seed}; replay with FUZZ_SEED=${seed})`);
  });
});
