/**
 * What an origin can send, as fast-check arbitraries: valid responses (the seeds), the same
 * responses mutated byte by byte (deleted CRs, doubled colons, control bytes, NULs, invalid
 * UTF-8, overlong lines, truncation), random bytes, and how the bytes are delivered (split into
 * pieces, then a close, a reset, or a connection left open until the leg's deadline).
 * Cases are drawn with a printed seed (`FUZZ_SEED` replays a run), not shrunk: the case itself
 * is printed on failure, and it is small.
 */
import fc from "fast-check";

/** Valid responses, each exercising a different way a response is framed. */
export const SEED_RESPONSES: readonly string[] = [
  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Id: 7\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n",
  "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 204 No Content\r\nDate: x\r\n\r\n",
  "HTTP/1.0 200 OK\r\nServer: old\r\n\r\nbody until the connection closes",
  'HTTP/1.1 304 Not Modified\r\nETag: "abc"\r\nCache-Control: max-age=60\r\n\r\n',
  "HTTP/1.1 200 OK\r\nX-Folded: first\r\n  second\r\nContent-Length: 0\r\n\r\n",
  "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nbad",
  "\r\nHTTP/1.1 301 Moved\nLocation: /x\nContent-Length: 2\n\nok",
];

export type Ending = "close" | "reset" | "keep-open";

export interface ResponseCase {
  /** How the bytes were made, for the failure message. */
  readonly recipe: string;
  readonly bytes: Buffer;
  /** Sizes of the pieces the bytes are written in (the rest goes in one last piece). */
  readonly pieces: readonly number[];
  readonly ending: Ending;
}

const latin1 = (text: string) => Buffer.from(text, "latin1");

/** Offset of the end of the first head (after its empty line), or the whole length. */
export function headLength(bytes: Buffer): number {
  const crlf = bytes.indexOf("\r\n\r\n");
  const lf = bytes.indexOf("\n\n");
  const ends = [crlf === -1 ? -1 : crlf + 4, lf === -1 ? -1 : lf + 2].filter((end) => end > 0);
  return ends.length === 0 ? bytes.length : Math.min(...ends);
}

function indexesOf(bytes: Buffer, byte: number): number[] {
  const found: number[] = [];
  for (let index = bytes.indexOf(byte); index !== -1; index = bytes.indexOf(byte, index + 1)) found.push(index);
  return found;
}

const splice = (bytes: Buffer, at: number, remove: number, insert: Buffer) =>
  Buffer.concat([bytes.subarray(0, at), insert, bytes.subarray(at + remove)]);

type Mutation = (bytes: Buffer) => fc.Arbitrary<[string, Buffer]>;

/** Picks one of `positions` (or any offset, when there is none) and applies `change` there. */
const at = (name: string, positions: (bytes: Buffer) => number[], change: (bytes: Buffer, i: number) => Buffer) =>
  ((bytes) => {
    const candidates = positions(bytes);
    const choice =
      candidates.length > 0 ? fc.constantFrom(...candidates) : fc.integer({ min: 0, max: Math.max(0, bytes.length) });
    return choice.map((i): [string, Buffer] => [`${name}@${i}`, change(bytes, i)]);
  }) satisfies Mutation;

const anywhere = (bytes: Buffer) => Array.from({ length: bytes.length + 1 }, (_, i) => i);

const CONTROL_BYTES = [0x00, 0x01, 0x07, 0x08, 0x0b, 0x0c, 0x0d, 0x1b, 0x7f, 0x85, 0x9b, 0xff];
const INVALID_UTF8 = [[0xc3, 0x28], [0xff], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]];

const MUTATIONS: readonly Mutation[] = [
  at(
    "delete-cr",
    (b) => indexesOf(b, 0x0d),
    (b, i) => splice(b, i, 1, Buffer.alloc(0)),
  ),
  at(
    "double-colon",
    (b) => indexesOf(b, 0x3a),
    (b, i) => splice(b, i, 0, latin1(":")),
  ),
  at(
    "delete-colon",
    (b) => indexesOf(b, 0x3a),
    (b, i) => splice(b, i, 1, Buffer.alloc(0)),
  ),
  at(
    "delete-lf",
    (b) => indexesOf(b, 0x0a),
    (b, i) => splice(b, i, 1, Buffer.alloc(0)),
  ),
  at(
    "space-before-colon",
    (b) => indexesOf(b, 0x3a),
    (b, i) => splice(b, i, 0, latin1(" ")),
  ),
  (bytes) =>
    fc
      .tuple(fc.integer({ min: 0, max: bytes.length }), fc.constantFrom(...CONTROL_BYTES))
      .map(([i, byte]): [string, Buffer] => [
        `control-0x${byte.toString(16)}@${i}`,
        splice(bytes, i, 0, Buffer.of(byte)),
      ]),
  (bytes) =>
    fc
      .tuple(fc.integer({ min: 0, max: bytes.length }), fc.constantFrom(...INVALID_UTF8))
      .map(([i, seq]): [string, Buffer] => [`invalid-utf8@${i}`, splice(bytes, i, 0, Buffer.from(seq))]),
  (bytes) =>
    fc
      .tuple(fc.integer({ min: 0, max: headLength(bytes) }), fc.integer({ min: 1_000, max: 40_000 }))
      .map(([i, n]): [string, Buffer] => [`overlong-${n}@${i}`, splice(bytes, i, 0, Buffer.alloc(n, 0x61))]),
  (bytes) =>
    fc.integer({ min: 0, max: bytes.length }).map((i): [string, Buffer] => [`truncate@${i}`, bytes.subarray(0, i)]),
  (bytes) =>
    fc
      .tuple(fc.integer({ min: 0, max: Math.max(0, bytes.length - 1) }), fc.integer({ min: 0, max: 255 }))
      .map(([i, byte]): [string, Buffer] => [`set-0x${byte.toString(16)}@${i}`, splice(bytes, i, 1, Buffer.of(byte))]),
  at("delete", anywhere, (b, i) => splice(b, i, 1, Buffer.alloc(0))),
  at(
    "duplicate-line",
    (b) => [0, ...indexesOf(b, 0x0a).map((i) => i + 1)],
    (b, i) => {
      const end = b.indexOf(0x0a, i);
      return splice(b, i, 0, b.subarray(i, end === -1 ? b.length : end + 1));
    },
  ),
];

/** A seed response with 1–3 mutations applied in turn. */
const mutatedResponse: fc.Arbitrary<[string, Buffer]> = fc
  .tuple(fc.integer({ min: 0, max: SEED_RESPONSES.length - 1 }), fc.integer({ min: 1, max: 3 }))
  .chain(([seed, count]) => {
    let arbitrary: fc.Arbitrary<[string, Buffer]> = fc.constant([`seed${seed}`, latin1(SEED_RESPONSES[seed] ?? "")]);
    for (let step = 0; step < count; step++) {
      arbitrary = arbitrary.chain(([recipe, bytes]) =>
        fc
          .oneof(...MUTATIONS.map((mutate) => mutate(bytes)))
          .map(([what, next]): [string, Buffer] => [`${recipe}+${what}`, next]),
      );
    }
    return arbitrary;
  });

const randomBytes: fc.Arbitrary<[string, Buffer]> = fc
  .uint8Array({ maxLength: 600 })
  .map((array): [string, Buffer] => ["random", Buffer.from(array)]);

/** Random bytes after a plausible start, so that they reach the field-line parser. */
const randomAfterStatus: fc.Arbitrary<[string, Buffer]> = fc
  .tuple(
    fc.constantFrom("HTTP/1.1 200 OK\r\n", "HTTP/1.1 ", "HTTP/1.0 404 x\r\nA: b\r\n", "http/1.1 100 \r\n\r\n"),
    fc.uint8Array({ maxLength: 400 }),
  )
  .map(([start, array]): [string, Buffer] => [
    `random-after(${JSON.stringify(start)})`,
    Buffer.concat([latin1(start), Buffer.from(array)]),
  ]);

const seedResponse: fc.Arbitrary<[string, Buffer]> = fc
  .integer({ min: 0, max: SEED_RESPONSES.length - 1 })
  .map((seed): [string, Buffer] => [`seed${seed}`, latin1(SEED_RESPONSES[seed] ?? "")]);

const delivery = fc.record({
  pieces: fc.oneof(
    { weight: 3, arbitrary: fc.constant<number[]>([]) },
    { weight: 2, arbitrary: fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 12 }) },
  ),
  ending: fc.oneof(
    { weight: 8, arbitrary: fc.constant<Ending>("close") },
    { weight: 1, arbitrary: fc.constant<Ending>("reset") },
    { weight: 2, arbitrary: fc.constant<Ending>("keep-open") },
  ),
});

export const responseCase: fc.Arbitrary<ResponseCase> = fc
  .tuple(
    fc.oneof(
      { weight: 6, arbitrary: mutatedResponse },
      { weight: 2, arbitrary: randomBytes },
      { weight: 2, arbitrary: randomAfterStatus },
      { weight: 1, arbitrary: seedResponse },
    ),
    delivery,
  )
  .map(([[recipe, bytes], { pieces, ending }]) => ({ recipe, bytes, pieces, ending }));

/** Bytes at which a cut changes what a parser sees: line ends, the colon, the spaces of the status line. */
const DELIMITERS = new Set([0x0d, 0x0a, 0x3a, 0x20]);

/**
 * Every seed cut at every offset of its head (and just after it), delivered and then closed; or,
 * with `everyOffset` false, only the cuts next to a delimiter, in the first bytes and at the
 * head's end: the same kinds of cut at about half the cost, for the default run.
 */
export function truncationCases(everyOffset = true): ResponseCase[] {
  const cases: ResponseCase[] = [];
  SEED_RESPONSES.forEach((seed, index) => {
    const bytes = latin1(seed);
    const end = Math.min(bytes.length, headLength(bytes) + 1);
    for (let cut = 0; cut <= end; cut++) {
      const nearDelimiter = DELIMITERS.has(bytes[cut - 1] ?? -1) || DELIMITERS.has(bytes[cut] ?? -1);
      if (!everyOffset && !nearDelimiter && cut > 5 && cut < end - 1) continue;
      cases.push({ recipe: `seed${index}+cut@${cut}`, bytes: bytes.subarray(0, cut), pieces: [], ending: "close" });
    }
  });
  return cases;
}

/** true when FUZZ_RUNS asks for a long run: then every exhaustive part runs in full too. */
export function longFuzzRun(): boolean {
  const given = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(given) && given > 0;
}

/** The seed of this run: `FUZZ_SEED` when set (to replay a failure), else a fresh one. */
export function fuzzSeed(): number {
  const given = Number(process.env.FUZZ_SEED);
  return Number.isInteger(given) ? given : Math.floor(Math.random() * 2 ** 31);
}

/** How many cases to draw: `FUZZ_RUNS` when set, else `fallback`. */
export function fuzzRuns(fallback: number): number {
  const given = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(given) && given > 0 ? given : fallback;
}

export function describeCase(item: ResponseCase): string {
  const shown = item.bytes.toString("latin1", 0, 300);
  return `${item.recipe} ending=${item.ending} pieces=[${item.pieces.join(",")}] ${item.bytes.length} bytes: ${JSON.stringify(shown)}`;
}
