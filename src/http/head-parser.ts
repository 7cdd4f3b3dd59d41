/**
 * A strict parser for one response head (status line + field lines + empty line), modelled on
 * what Cloudflare's proxy accepts: Pingora reads origin responses with httparse configured with
 * `allow_spaces_after_header_name_in_responses` and `allow_obsolete_multiline_headers_in_responses`
 * (cloudflare/pingora pingora-core/src/protocols/http/v1/client.rs, `parse_resp_buffer`).
 * It never throws: every rule broken is returned as a typed violation (checks/head-violations.ts
 * writes the words), and the head is still described.
 * Input and output text is latin1 (one character per byte), so evidence keeps the exact bytes.
 */
import { type RecognisedProtocol, recogniseProtocol } from "./recognise-protocol.js";

/** Pingora's MAX_HEADERS (pingora-core/src/protocols/http/v1/common.rs). */
export const MAX_HEADER_FIELDS = 256;

/** Longest excerpt of an offending line kept in evidence (the whole line can be megabytes). */
const EVIDENCE_LINE_CHARS = 1024;

/**
 * Fields kept in `ParsedHead.headers` (framing fields are always kept): a 1 MiB head of 3-byte
 * lines is 350,000 fields, and keeping them all costs over 100 MB. `fieldCount` counts them all.
 */
export const MAX_KEPT_FIELDS = 1024;

/** Values listed in the evidence of a framing finding (the count says how many there were). */
const EVIDENCE_VALUES = 32;

export interface ParsedHead {
  /** The status line without its line ending, or the first line when there is no status line. */
  readonly statusLine: string;
  readonly httpVersion: string | null;
  readonly statusCode: number | null;
  readonly reason: string | null;
  /**
   * [name, value] as received, the first MAX_KEPT_FIELDS and every framing field;
   * obs-fold continuations stay in the value with their line breaks.
   */
  readonly headers: Array<[string, string]>;
  /** Bytes of the head on the wire, leading empty lines, status line and final empty line included. */
  readonly headBytes: number;
  /** true when the head ended with its empty line. */
  readonly complete: boolean;
  readonly fieldCount: number;
  /** The largest field line (name, colon and value, without the line ending); may be a partial last line. */
  readonly largestField: { readonly name: string; readonly bytes: number } | null;
  /** Transfer-Encoding is present; `chunked` when chunked is its final coding (as Pingora decides). */
  readonly transferEncoding: { readonly present: boolean; readonly chunked: boolean };
  /** The Content-Length that frames the body, or null (absent, ignored, or invalid). */
  readonly contentLength: number | null;
  /** false when Content-Length is present, not overridden by Transfer-Encoding, and the edge rejects it. */
  readonly contentLengthUsable: boolean;
  readonly violations: HeadViolation[];
}

/** A line of the head as evidence: an excerpt of it, where it is, and the offending byte's column. */
export interface LineRef {
  /** At most EVIDENCE_LINE_CHARS characters of the line, without its line ending. */
  readonly excerpt: string;
  readonly bytes: number;
  /** 1 for the status line. */
  readonly number: number;
  /** Byte offset of the line in the head. */
  readonly offset: number;
  /** Index of the offending byte in the line, or null when the whole line is the problem. */
  readonly column: number | null;
  /** The offending byte (latin1), or null. */
  readonly byte: string | null;
}

export type StatusLineProblem =
  | "version_not_http_1x"
  | "status_code_not_three_digits"
  | "control_byte_in_reason"
  | "status_code_below_100"
  | "malformed";

/** Field-line faults the edge's parser rejects (errors) or tolerates in responses (the last two). */
export type FieldLineProblem =
  | "no_colon"
  | "empty_name"
  | "invalid_name"
  | "nul"
  | "bare_cr"
  | "control_byte"
  | "leading_whitespace"
  | "obs_fold"
  | "whitespace_before_colon";

export const TOLERATED_FIELD_PROBLEMS: ReadonlySet<FieldLineProblem> = new Set(["obs_fold", "whitespace_before_colon"]);

export type HeadViolation =
  /** The bytes do not start with "HTTP/": another protocol when recognised, else an HTTP/0.9-style reply. */
  | {
      readonly kind: "no_status_line";
      readonly firstBytes: string;
      readonly bytes: number;
      readonly protocol: RecognisedProtocol | null;
    }
  /** 600–999: Pingora passes it on (http::StatusCode takes 100–999); RFC 9110 §15 has no class for it. */
  | { readonly kind: "status_out_of_range"; readonly statusCode: number; readonly statusLine: string }
  | {
      readonly kind: "invalid_status_line";
      readonly problem: StatusLineProblem;
      readonly line: LineRef;
    }
  /** A final response whose status line is followed directly by the empty line. */
  | { readonly kind: "no_fields"; readonly statusLine: string; readonly rawHead: string; readonly headBytes: number }
  | { readonly kind: "too_many_fields"; readonly count: number; readonly limit: number }
  /**
   * Every field line with a problem of one class (errors: any error, counted together; each
   * tolerated kind: apart), with the first such line.
   */
  | {
      readonly kind: "field_line";
      readonly problem: FieldLineProblem;
      readonly tolerated: boolean;
      readonly first: LineRef;
      readonly lines: number;
      readonly lineNumbers: readonly number[];
    }
  | {
      readonly kind: "content_length";
      readonly problem: "with_transfer_encoding" | "invalid" | "different_values" | "repeated";
      /** The Content-Length field values (at most EVIDENCE_VALUES), and how many fields there were. */
      readonly values: readonly string[];
      readonly fields: number;
      readonly transferEncoding: readonly string[];
      readonly invalidValues: readonly string[];
      readonly distinctValues: readonly string[];
    };

export interface ParseHeadOptions {
  /** false for a head cut short (read cap, close, timeout): the last line may be partial. */
  readonly complete: boolean;
}

const STATUS_PREFIX = "HTTP/";

/**
 * Whether bytes start like a status line: "yes", "no", or "undecided" while fewer than five
 * bytes are known. Leading empty lines are skipped first, as httparse does (`skip_empty_lines`).
 */
export function startsLikeStatusLine(text: string): "yes" | "no" | "undecided" {
  const start = skipEmptyLines(text);
  const known = Math.min(text.length - start, STATUS_PREFIX.length);
  if (text.slice(start, start + known).toUpperCase() !== STATUS_PREFIX.slice(0, known)) return "no";
  return known === STATUS_PREFIX.length ? "yes" : "undecided";
}

/** The violation of a response without a status line (HTTP/0.9 style); shared with the reader. */
export function noStatusLine(firstBytes: string, bytes: number): HeadViolation {
  return {
    kind: "no_status_line",
    firstBytes: firstBytes.slice(0, 256),
    bytes,
    protocol: recogniseProtocol(firstBytes),
  };
}

/** The status code `parseResponseHead` would read from this head, without parsing its fields. */
export function statusCodeOf(head: Buffer): number | null {
  const text = head.toString("latin1");
  const start = skipEmptyLines(text);
  const first = splitLines(text, start, false).next().value;
  if (first === undefined || startsLikeStatusLine(text) !== "yes") return null;
  return parseStatusLine(first).parts.statusCode;
}

/** Parses one response head (see the file comment for which rules it follows). */
export function parseResponseHead(head: Buffer, options: ParseHeadOptions): ParsedHead {
  const text = head.toString("latin1");
  const start = skipEmptyLines(text);
  const lines = splitLines(text, start, options.complete);
  const first = lines.next().value;
  const violations: HeadViolation[] = [];
  const base = {
    httpVersion: null,
    statusCode: null,
    reason: null,
    headers: [] as Array<[string, string]>,
    headBytes: head.length,
    complete: options.complete,
    fieldCount: 0,
    largestField: null,
    transferEncoding: { present: false, chunked: false },
    contentLength: null,
    contentLengthUsable: true,
    violations,
  };
  if (first === undefined || startsLikeStatusLine(text) === "no") {
    if (startsLikeStatusLine(text) === "no") violations.push(noStatusLine(text.slice(start), head.length));
    return { ...base, statusLine: first?.content ?? "" };
  }

  const status = parseStatusLine(first);
  const code = status.parts.statusCode;
  if (status.problem === null && code !== null && code > 599) {
    violations.push({ kind: "status_out_of_range", statusCode: code, statusLine: excerpt(first.content) });
  }
  if (status.problem !== null) {
    const column = status.problem === "control_byte_in_reason" ? reasonControlColumn(first.content) : null;
    violations.push({ kind: "invalid_status_line", problem: status.problem, line: lineRef(first, column) });
  }
  if (!first.terminated) return { ...base, statusLine: first.content, ...status.parts };

  const fields = parseFieldLines(text, lines, violations);
  const statusCode = status.parts.statusCode;
  const isFinal = statusCode === null || statusCode >= 200;
  if (isFinal && options.complete && fields.lineCount === 0) {
    violations.push({
      kind: "no_fields",
      statusLine: excerpt(first.content),
      rawHead: excerpt(head.toString("latin1")),
      headBytes: head.length,
    });
  }
  if (fields.fieldCount > MAX_HEADER_FIELDS) {
    violations.push({ kind: "too_many_fields", count: fields.fieldCount, limit: MAX_HEADER_FIELDS });
  }
  const transferEncoding = readTransferEncoding(fields.headers);
  const contentLength = isFinal
    ? judgeContentLength(fields.headers, transferEncoding, violations)
    : { value: null, usable: true };
  return {
    ...base,
    statusLine: first.content,
    ...status.parts,
    headers: fields.headers,
    fieldCount: fields.fieldCount,
    largestField: fields.largestField,
    transferEncoding,
    contentLength: contentLength.value,
    contentLengthUsable: contentLength.usable,
  };
}

interface Line {
  /** Without the line ending (a CR before the LF is removed; any other CR stays). */
  readonly content: string;
  /** 1 for the status line. */
  readonly number: number;
  /** Byte offset of the line in the head. */
  readonly offset: number;
  /** false for a last line that the head was cut in. */
  readonly terminated: boolean;
}

function skipEmptyLines(text: string): number {
  let index = 0;
  while (index < text.length && (text[index] === "\r" || text[index] === "\n")) index++;
  return index;
}

/**
 * Splits at LF; CRLF and bare LF both end a line (RFC 9112 §2.2; httparse accepts both).
 * Lines are produced one at a time, so a head of many tiny lines is never held as objects.
 */
function* splitLines(text: string, start: number, complete: boolean): Generator<Line, void> {
  let offset = start;
  let number = 0;
  while (offset < text.length) {
    const lf = text.indexOf("\n", offset);
    const end = lf === -1 ? text.length : lf;
    const raw = text.slice(offset, end);
    const content = lf !== -1 && raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (lf !== -1 && content === "") return; // the empty line that ends the head
    if (lf === -1 && complete && content === "") return;
    number++;
    yield { content, number, offset, terminated: lf !== -1 };
    if (lf === -1) return;
    offset = lf + 1;
  }
}

interface StatusParts {
  httpVersion: string | null;
  statusCode: number | null;
  reason: string | null;
}

// httparse `parse_version`, `parse_code`, `parse_reason`: exactly HTTP/1.0 or HTTP/1.1, one SP,
// three digits, then the end of the line or SP and a reason of HTAB / SP / VCHAR / obs-text.
const STRICT_STATUS_LINE = /^(HTTP\/1\.[01]) ([0-9]{3})(?:$| ([\t\x20-\x7e\x80-\xff]*)$)/;
const LOOSE_STATUS_LINE = /^(HTTP\/\S*)[ \t]+([0-9]{3})(?:[ \t]+(.*))?$/s;

function parseStatusLine(line: Line): { parts: StatusParts; problem: StatusLineProblem | null } {
  const strict = STRICT_STATUS_LINE.exec(line.content);
  if (strict !== null) {
    const statusCode = Number(strict[2]);
    const parts = { httpVersion: strict[1] ?? null, statusCode, reason: strict[3] ?? "" };
    // Pingora builds an http::StatusCode, which accepts only 100–999.
    return { parts, problem: statusCode < 100 ? "status_code_below_100" : null };
  }
  const loose = LOOSE_STATUS_LINE.exec(line.content);
  const parts: StatusParts = {
    httpVersion: loose?.[1] ?? (line.content.split(" ")[0] || null),
    statusCode: loose?.[2] === undefined ? null : Number(loose[2]),
    reason: loose?.[3] ?? null,
  };
  if (!line.terminated) return { parts, problem: null };
  return { parts, problem: statusLineProblem(line.content) };
}

/** Where the control byte of a reason phrase is ("HTTP/1.1 200 " is 13 bytes). */
function reasonControlColumn(content: string): number | null {
  const bad = /[^\t\x20-\x7e\x80-\xff]/.exec(content.slice(12));
  return bad === null ? null : 12 + bad.index;
}

function statusLineProblem(content: string): StatusLineProblem {
  if (!/^HTTP\/1\.[01](?: |$)/.test(content)) return "version_not_http_1x";
  const afterVersion = content.slice("HTTP/1.x ".length);
  if (!/^[0-9]{3}(?: |$)/.test(afterVersion)) return "status_code_not_three_digits";
  if (/[^\t\x20-\x7e\x80-\xff]/.test(afterVersion.slice(3))) return "control_byte_in_reason";
  return "malformed";
}

// RFC 9110 §5.6.2 tchar; the same set as httparse's HEADER_NAME_MAP.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const NON_TOKEN = /[^!#$%&'*+\-.^_`|~0-9A-Za-z]/;
// httparse HEADER_VALUE_MAP (seanmonstar/httparse src/lib.rs): a value byte is HTAB, 0x20–0x7E or
// 0x80–0xFF; NUL, CR outside CRLF, the other C0 controls and DEL make the parse fail.
const INVALID_VALUE_BYTE = /[^\t\x20-\x7e\x80-\xff]/;

interface LineProblem {
  readonly problem: FieldLineProblem;
  readonly line: Line;
  /** Index of the offending byte in the line, or null when the whole line is the problem. */
  readonly column: number | null;
}

interface FieldLines {
  headers: Array<[string, string]>;
  /** Every field that parsed, kept or not. */
  fieldCount: number;
  /** Every line after the status line (fields, broken lines, continuations, a cut last line). */
  lineCount: number;
  largestField: { name: string; bytes: number } | null;
}

function parseFieldLines(text: string, lines: Iterable<Line>, violations: HeadViolation[]): FieldLines {
  const headers: Array<[string, string]> = [];
  const problems = new ProblemTally();
  let fieldCount = 0;
  let lineCount = 0;
  let largestField: { name: string; bytes: number } | null = null;
  let current: { name: string; bytes: number } | null = null;
  let previousIsField = false;
  // The kept field that obs-fold lines continue, and where its continuation lines start and end in
  // `text`: the value is sliced once at the end, not concatenated line by line (262,144 lines in 1 MiB).
  let folding: { field: [string, string]; from: number; to: number } | null = null;
  const measure = () => {
    if (current !== null && (largestField === null || current.bytes > largestField.bytes)) largestField = current;
  };
  const endFold = () => {
    if (folding !== null && folding.to > folding.from) {
      // Each continuation keeps its own line break, shown as CRLF whether it was CRLF or a bare LF.
      // Only bare LFs need rewriting; split/join builds a flat string, where a global replace would
      // leave a rope of one node per line (24 MB for 1 MiB of continuation lines).
      const raw = text.slice(folding.from, folding.to);
      const continuation = /(?:^|[^\r])\n/.test(raw) ? raw.split(/\r?\n/).join("\r\n") : raw;
      folding.field[1] = `${folding.field[1]}\r\n${continuation}`;
    }
    folding = null;
  };
  for (const line of lines) {
    lineCount++;
    if (!line.terminated) {
      // A line the head was cut in: it counts for the size, not as a field. httparse judges bytes
      // as they come, so what is already wrong in the part that arrived is wrong for the edge too.
      measure();
      current = { name: fieldNameOf(line.content), bytes: line.content.length };
      const problem = checkCutLine(line, previousIsField);
      if (problem !== null) problems.add(problem);
      continue;
    }
    const folded = line.content.startsWith(" ") || line.content.startsWith("\t");
    if (folded && previousIsField && current !== null) {
      problems.add(foldProblem(line));
      const bad = INVALID_VALUE_BYTE.exec(line.content);
      if (bad !== null) problems.add(valueByteProblem(line, bad.index, bad[0]));
      if (folding !== null) {
        if (folding.to === folding.from) folding.from = line.offset;
        folding.to = line.offset + line.content.length;
      }
      current = { name: current.name, bytes: current.bytes + line.content.length };
      continue;
    }
    endFold();
    measure();
    current = { name: fieldNameOf(line.content), bytes: line.content.length };
    const problem = folded ? leadingWhitespaceProblem(line) : checkFieldLine(line, problems);
    previousIsField = problem === null;
    if (problem !== null) {
      problems.add(problem);
      continue;
    }
    const colon = line.content.indexOf(":");
    const name = line.content.slice(0, colon).replace(/[ \t]+$/, "");
    const value = line.content
      .slice(colon + 1)
      .replace(/^[ \t]+/, "")
      .replace(/[ \t]+$/, "");
    fieldCount++;
    if (headers.length < MAX_KEPT_FIELDS || isFramingField(name)) {
      const field: [string, string] = [name, value];
      headers.push(field);
      folding = { field, from: 0, to: 0 };
    }
  }
  endFold();
  measure();
  violations.push(...problems.violations());
  return { headers, fieldCount, lineCount, largestField };
}

function isFramingField(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === "content-length" || lower === "transfer-encoding";
}

/** The name of a field line, for naming the largest field (cut: a "name" can be a 10 MB line without a colon). */
function fieldNameOf(content: string): string {
  const colon = content.indexOf(":");
  return content.slice(0, Math.min(colon === -1 ? 64 : colon, 128)).replace(/[ \t]+$/, "");
}

/** The first rule a field line breaks (an error), or null; a tolerated deviation is added to `problems`. */
function checkFieldLine(line: Line, problems: ProblemTally): LineProblem | null {
  const content = line.content;
  const colon = content.indexOf(":");
  const nameEnd = colon === -1 ? content.length : colon;
  const rawName = content.slice(0, nameEnd);
  const name = rawName.replace(/[ \t]+$/, "");
  const special = /[\0\r]/.exec(rawName);
  if (special !== null) return valueByteProblem(line, special.index, special[0]);
  if (colon === -1) return { problem: "no_colon", line, column: null };
  if (name === "") return { problem: "empty_name", line, column: 0 };
  if (!TOKEN.test(name)) return { problem: "invalid_name", line, column: NON_TOKEN.exec(name)?.index ?? 0 };
  const badValue = INVALID_VALUE_BYTE.exec(content.slice(colon + 1));
  if (badValue !== null) return valueByteProblem(line, colon + 1 + badValue.index, badValue[0]);
  if (rawName !== name) problems.add({ problem: "whitespace_before_colon", line, column: name.length });
  return null;
}

/**
 * The error already visible in a line cut before its line end, or null: a whitespace-led line with
 * no field to continue, a byte no field name may hold, or a control byte in the value. (A missing
 * colon cannot be told yet, and whitespace may still turn out to precede the colon.)
 */
function checkCutLine(line: Line, previousIsField: boolean): LineProblem | null {
  const content = line.content;
  if (/^[ \t]/.test(content)) return previousIsField ? null : leadingWhitespaceProblem(line);
  const colon = content.indexOf(":");
  const rawName = colon === -1 ? content : content.slice(0, colon);
  const special = /[\0\r]/.exec(rawName);
  if (special !== null) return valueByteProblem(line, special.index, special[0]);
  const name = rawName.replace(/[ \t]+$/, "");
  const bad = /[ \t]/.test(name) ? /[ \t]/.exec(name) : NON_TOKEN.exec(name);
  if (bad !== null) return { problem: "invalid_name", line, column: bad.index };
  if (colon === -1) return null;
  if (name === "") return { problem: "empty_name", line, column: 0 };
  const badValue = INVALID_VALUE_BYTE.exec(content.slice(colon + 1));
  return badValue === null ? null : valueByteProblem(line, colon + 1 + badValue.index, badValue[0]);
}

function valueByteProblem(line: Line, column: number, char: string): LineProblem {
  const problem = char === "\0" ? "nul" : char === "\r" ? "bare_cr" : "control_byte";
  return { problem, line, column };
}

function foldProblem(line: Line): LineProblem {
  return { problem: "obs_fold", line, column: 0 };
}

function leadingWhitespaceProblem(line: Line): LineProblem {
  // httparse reads a whitespace-led line with no field before it as a bad field name.
  return { problem: "leading_whitespace", line, column: 0 };
}

function lineRef(line: Line, column: number | null): LineRef {
  return {
    excerpt: excerpt(line.content),
    bytes: line.content.length,
    number: line.number,
    offset: line.offset,
    column,
    byte: column === null ? null : (line.content[column] ?? null),
  };
}

/** How many times a problem occurred, its first occurrence and the first line numbers. */
interface ProblemCount {
  readonly first: LineProblem;
  count: number;
  readonly lineNumbers: number[];
}

/**
 * One violation for all errors, and one per kind of tolerated deviation, each with its first
 * line and a count. Only counts are kept, so a head of a million broken lines costs no more than one.
 */
class ProblemTally {
  private errors: ProblemCount | null = null;
  private readonly tolerated = new Map<FieldLineProblem, ProblemCount>();

  add(problem: LineProblem): void {
    const isTolerated = TOLERATED_FIELD_PROBLEMS.has(problem.problem);
    const known = isTolerated ? this.tolerated.get(problem.problem) : this.errors;
    if (known === null || known === undefined) {
      const fresh = { first: problem, count: 1, lineNumbers: [problem.line.number] };
      if (isTolerated) this.tolerated.set(problem.problem, fresh);
      else this.errors = fresh;
      return;
    }
    known.count++;
    if (known.lineNumbers.length < 20) known.lineNumbers.push(problem.line.number);
  }

  violations(): HeadViolation[] {
    const counted = [...(this.errors === null ? [] : [this.errors]), ...this.tolerated.values()];
    return counted.map(({ first, count, lineNumbers }) => ({
      kind: "field_line",
      problem: first.problem,
      tolerated: TOLERATED_FIELD_PROBLEMS.has(first.problem),
      first: lineRef(first.line, first.column),
      lines: count,
      lineNumbers,
    }));
  }
}

function readTransferEncoding(headers: ReadonlyArray<readonly [string, string]>): {
  present: boolean;
  chunked: boolean;
} {
  const values = headers.filter(([name]) => name.toLowerCase() === "transfer-encoding").map(([, value]) => value);
  const last = values[values.length - 1];
  if (last === undefined) return { present: false, chunked: false };
  // Pingora `is_chunked_encoding_from_headers`: chunked must be the last coding of the last field.
  const lastCoding = last.slice(last.lastIndexOf(",") + 1).trim();
  return { present: true, chunked: lastCoding.toLowerCase() === "chunked" };
}

const MAX_U64 = 2n ** 64n - 1n;

/**
 * Content-Length as Pingora reconciles it (common.rs `content_length_parse_all`, after hyper):
 * every value, across fields and comma lists, must be 1*DIGIT and all must be equal.
 * When Transfer-Encoding is present Content-Length does not frame the body (RFC 9112 §6.3).
 */
function judgeContentLength(
  headers: ReadonlyArray<readonly [string, string]>,
  transferEncoding: { present: boolean; chunked: boolean },
  violations: HeadViolation[],
): { value: number | null; usable: boolean } {
  const fields = headers.filter(([name]) => name.toLowerCase() === "content-length").map(([, value]) => value);
  if (fields.length === 0) return { value: null, usable: true };
  const tokens = fields.flatMap((value) => value.split(",").map((token) => token.trim()));
  const violation = {
    kind: "content_length" as const,
    values: fields.slice(0, EVIDENCE_VALUES),
    fields: fields.length,
    transferEncoding: [] as string[],
    invalidValues: [] as string[],
    distinctValues: [] as string[],
  };
  if (transferEncoding.present) {
    const te = headers.filter(([name]) => name.toLowerCase() === "transfer-encoding").map(([, value]) => value);
    violations.push({
      ...violation,
      problem: "with_transfer_encoding",
      transferEncoding: te.slice(0, EVIDENCE_VALUES),
    });
    return { value: null, usable: true };
  }
  const invalid = tokens.filter((token) => !/^[0-9]+$/.test(token) || BigInt(token) > MAX_U64);
  if (invalid.length > 0) {
    violations.push({ ...violation, problem: "invalid", invalidValues: invalid.slice(0, EVIDENCE_VALUES) });
    return { value: null, usable: false };
  }
  const distinct = [...new Set(tokens.map((token) => BigInt(token).toString()))];
  if (distinct.length > 1) {
    violations.push({ ...violation, problem: "different_values", distinctValues: distinct.slice(0, EVIDENCE_VALUES) });
    return { value: null, usable: false };
  }
  // RFC 9110 §8.6 lets a recipient take identical values as one (Pingora does); stricter proxies do not.
  if (tokens.length > 1) violations.push({ ...violation, problem: "repeated", distinctValues: distinct });
  return { value: Number(distinct[0]), usable: true };
}

function excerpt(text: string): string {
  return text.length > EVIDENCE_LINE_CHARS ? text.slice(0, EVIDENCE_LINE_CHARS) : text;
}
