/**
 * A batch's input, as text, into one record per target line: its line number and either the
 * target's fields (as the flags would carry them) or why the line is not a target. Pure: the
 * CLI reads the input (bounded) and validates the fields with the single-run validators.
 *
 * Three formats:
 * - text: `hostname [origin[:port]] [port]` per line, `#` starts a comment, blank lines are
 *   skipped; the origin may be an IPv4 or IPv6 address (`[::1]:8443` with a port) or a name;
 * - csv: a header row naming the fields (hostname required; origin, port, scheme, path, method,
 *   sslMode, headers: one `Name: value` per line of a quoted cell), then one row per target;
 * - jsonl: one JSON object per line with the same fields (headers as `[name, value]` pairs).
 * Every line is a target: duplicates are diagnosed again, as asked.
 */
import { isIP } from "node:net";
import { UsageError } from "../errors.js";
import { parseCsv } from "./csv.js";
import type { LineFields } from "./target-record.js";

/** target-record.ts, which loads zod (~15 MB of memory): only for CSV and JSON Lines, never for text. */
type RecordModule = typeof import("./target-record.js");

export type { LineFields };

export type InputFormat = "text" | "csv" | "jsonl";
export const INPUT_FORMATS: readonly InputFormat[] = ["text", "csv", "jsonl"];

export const BATCH_INPUT_LIMITS = {
  /** The whole input: a list of 100,000 targets with headers fits; a disk image does not. */
  bytes: 16 * 1024 * 1024,
  /** One line (or CSV record): a target with a few headers fits in a fraction of it. */
  lineChars: 64 * 1024,
  targets: 100_000,
} as const;

export type InputRecord =
  | { readonly line: number; readonly fields: LineFields }
  | { readonly line: number; readonly error: string };

/** By the file's extension, else by the first line that is not blank or a comment. */
export function detectInputFormat(fileName: string | null, text: string): InputFormat {
  const extension = fileName === null ? "" : (/\.([a-z]+)$/i.exec(fileName)?.[1]?.toLowerCase() ?? "");
  if (extension === "csv") return "csv";
  if (extension === "jsonl" || extension === "ndjson") return "jsonl";
  const first = text
    .split("\n", 200)
    .map((line) => line.trim())
    .find((line) => line !== "" && !line.startsWith("#"));
  if (first === undefined) return "text";
  if (first.startsWith("{")) return "jsonl";
  // A text line holds no comma; a CSV header names the hostname column.
  if (first.includes(",") && first.split(",").some((cell) => normaliseColumn(cell) === "hostname")) return "csv";
  return "text";
}

/** Throws a UsageError only when the whole input is unreadable (a CSV header that names no hostname column). */
export async function parseBatchInput(text: string, format: InputFormat): Promise<InputRecord[]> {
  const withoutBom = text.startsWith("\ufeff") ? text.slice(1) : text;
  if (format === "text") return parseLines(withoutBom, parseTextLine);
  const records: RecordModule = await import("./target-record.js");
  return format === "jsonl"
    ? parseLines(withoutBom, (line) => parseJsonLine(line, records))
    : parseCsvInput(withoutBom, records);
}

/** Each line through `parse`; blank and comment lines (null) are skipped, over-long lines reported. */
function parseLines(text: string, parse: (line: string) => LineFields | string | null): InputRecord[] {
  const records: InputRecord[] = [];
  const lines = text.split("\n");
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    if (raw.length > BATCH_INPUT_LIMITS.lineChars) {
      records.push({ line, error: tooLong(raw.length) });
      continue;
    }
    const parsed = parse(raw.endsWith("\r") ? raw.slice(0, -1) : raw);
    if (parsed === null) continue;
    records.push(typeof parsed === "string" ? { line, error: parsed } : { line, fields: parsed });
  }
  return records;
}

function tooLong(chars: number): string {
  return `the line is ${chars} characters long; a line may hold at most ${BATCH_INPUT_LIMITS.lineChars}`;
}

/** `hostname [origin[:port]] [port]`; null for a blank or comment line. */
export function parseTextLine(line: string): LineFields | string | null {
  const content = line.replace(/(^|\s)#.*$/, "").trim();
  if (content === "") return null;
  const tokens = content.split(/\s+/);
  const [hostname, originToken, portToken] = tokens as [string, string | undefined, string | undefined];
  if (tokens.length > 3) {
    return `expected 'hostname [origin[:port]] [port]', got ${tokens.length} fields; flags for every line go on the command line`;
  }
  if (originToken === undefined) return { hostname };
  const origin = splitOriginToken(originToken);
  if (origin.port !== undefined && portToken !== undefined) {
    return `the port is given twice ('${originToken}' and '${portToken}')`;
  }
  const port = origin.port ?? portToken;
  return { hostname, origin: origin.origin, ...(port === undefined ? {} : { port }) };
}

/** `203.0.113.7`, `203.0.113.7:8443`, `2001:db8::7`, `[2001:db8::7]:8443`, `origin.example:8443`. */
export function splitOriginToken(token: string): { readonly origin: string; readonly port?: string } {
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(token);
  if (bracketed) {
    const origin = `[${bracketed[1] ?? ""}]`;
    return bracketed[2] === undefined ? { origin } : { origin, port: bracketed[2] };
  }
  // A bare IPv6 address has colons of its own: it has no port.
  if (isIP(token) !== 0) return { origin: token };
  const hostPort = /^([^:]+):([^:]*)$/.exec(token);
  if (hostPort) return { origin: hostPort[1] ?? "", port: hostPort[2] ?? "" };
  return { origin: token };
}

function parseJsonLine(line: string, records: RecordModule): LineFields | string | null {
  const content = line.trim();
  if (content === "" || content.startsWith("#")) return null;
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (error) {
    return `not a JSON object: ${error instanceof Error ? error.message : String(error)}`;
  }
  return records.toLineFields(value);
}

/** Header names compare without case, `_`, `-` or spaces: `ssl_mode`, `SSL Mode` and `sslMode` are one. */
function normaliseColumn(name: string): string {
  return name
    .trim()
    .replace(/^"|"$/g, "")
    .replace(/[\s_-]/g, "")
    .toLowerCase();
}

function parseCsvInput(text: string, { RECORD_FIELDS, toLineFields }: RecordModule): InputRecord[] {
  const COLUMNS: ReadonlyMap<string, string> = new Map([
    ...RECORD_FIELDS.map((field) => [field.toLowerCase(), field] as const),
    ["header", "headers"],
  ]);
  const rows = parseCsv(text, BATCH_INPUT_LIMITS.lineChars);
  const isComment = (row: (typeof rows)[number]): boolean => "cells" in row && (row.cells[0] ?? "").startsWith("#");
  const headerIndex = rows.findIndex((row) => !isComment(row));
  const header = rows[headerIndex];
  if (header === undefined) return [];
  // A header the rows cannot be read by is the whole input's problem, not one line's.
  if ("error" in header) throw new UsageError(`line ${header.line}, the header row: ${header.error}`);
  const fields = header.cells.map((cell) => COLUMNS.get(normaliseColumn(cell)) ?? null);
  const unknown = header.cells.filter((_, i) => fields[i] === null);
  if (unknown.length > 0 || !fields.includes("hostname")) {
    const problem =
      unknown.length > 0
        ? `unknown column${unknown.length > 1 ? "s" : ""} '${unknown.join("', '")}'`
        : "no hostname column";
    throw new UsageError(
      `line ${header.line}, the header row: ${problem}; columns are ${[...RECORD_FIELDS].join(", ")}`,
    );
  }
  const records: InputRecord[] = [];
  for (const row of rows.slice(headerIndex + 1)) {
    if (isComment(row)) continue;
    if ("error" in row) {
      records.push({ line: row.line, error: row.error });
      continue;
    }
    if (row.cells.length !== fields.length) {
      records.push({ line: row.line, error: `${row.cells.length} cells, but the header names ${fields.length}` });
      continue;
    }
    const record: Record<string, string | string[]> = {};
    for (const [i, field] of fields.entries()) {
      const cell = row.cells[i] ?? "";
      if (cell === "" || field === null) continue;
      record[field] = field === "headers" ? cell.split(/\r?\n/).filter((h) => h.trim() !== "") : cell;
    }
    const parsed = toLineFields(record);
    records.push(typeof parsed === "string" ? { line: row.line, error: parsed } : { line: row.line, fields: parsed });
  }
  return records;
}
