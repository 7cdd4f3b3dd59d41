/**
 * What redaction knows and does to one piece of text, bytes or header field. Secrets travel two
 * ways, so there are two mechanisms:
 * - structurally: the value of every field named Authorization, Proxy-Authorization, Cookie,
 *   Set-Cookie or `--redact <name>` is replaced wherever a field appears: header tuples, and
 *   "Name: value" lines (plus their obs-fold continuations, RFC 9112 §5.2) in raw heads;
 * - by value: each secret value seen in those fields (and the parts of it that carry the
 *   secret on their own: a cookie's value, an Authorization's credentials) is replaced in
 *   the other wire text and in the body bytes, because an origin may echo it anywhere.
 * Values shorter than MIN_BY_VALUE_LENGTH are only redacted structurally: replacing "1" or
 * "on" everywhere would mangle the report without protecting anything.
 * report/redact-report.ts decides which typed fields of a report go through which mechanism.
 */
import { formatCount } from "../text/format-count.js";

export const REDACTED = "[REDACTED]";

/** Always redacted (lower-case): credentials and session state (RFC 9110 §11.6, RFC 6265 §4). */
export const ALWAYS_REDACTED_HEADERS = ["authorization", "proxy-authorization", "cookie", "set-cookie"] as const;

const MIN_BY_VALUE_LENGTH = 6;

/** The lower-case names to redact, the built-in ones first, each once. */
export function redactedHeaderNames(extraNames: readonly string[]): string[] {
  return [...new Set([...ALWAYS_REDACTED_HEADERS, ...extraNames.map((name) => name.trim().toLowerCase())])].filter(
    (name) => name !== "",
  );
}

/**
 * The parts of a field value that are secret on their own, besides the whole value: the
 * credentials after an auth scheme ("Bearer <token>", RFC 9110 §11.4), each cookie's value,
 * and a Set-Cookie's value but not its attributes (a Domain is not a secret, RFC 6265 §4.1).
 */
function secretParts(name: string, value: string): string[] {
  // An obs-fold value (RFC 9112 §5.2) spans lines: each continuation is secret on its own too,
  // since evidence may quote one such line apart from the field it continues.
  const parts = [value, value.trim(), ...value.split(/\r?\n/).map((line) => line.trim())];
  const lowerName = name.trim().toLowerCase();
  if (lowerName === "cookie" || lowerName === "set-cookie") {
    const pairs = value.split(";");
    for (const pair of lowerName === "cookie" ? pairs : pairs.slice(0, 1)) {
      const equals = pair.indexOf("=");
      if (equals > 0) parts.push(pair.slice(equals + 1).trim());
    }
  } else {
    const credentials = /^\S+\s+(.+)$/.exec(value.trim());
    if (credentials?.[1] !== undefined) parts.push(credentials[1]);
  }
  return parts;
}

/** Redacts one piece of text or body; knows the names and the secret values. */
export class Redaction {
  readonly #names: ReadonlySet<string>;
  readonly #fieldLine: RegExp;
  readonly #secrets = new Set<string>();
  /** Names whose value was actually replaced somewhere. */
  readonly hits = new Set<string>();

  constructor(names: readonly string[]) {
    this.#names = new Set(names);
    const alternatives = names.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
    // A field line: optional indent, the name, optional whitespace, colon, the value to the end of the line.
    this.#fieldLine = new RegExp(`^([ \\t]*)(${alternatives})([ \\t]*:[ \\t]*)([^\\n]*?)(\\r?)$`, "i");
  }

  isRedactedName(name: string): boolean {
    return this.#names.has(name.trim().toLowerCase());
  }

  /** Remembers a secret value, with its wire (UTF-8 bytes as latin1) and shell-quoted forms. */
  addSecret(name: string, value: string): void {
    for (const part of secretParts(name, value)) {
      if (part.length < MIN_BY_VALUE_LENGTH || part === REDACTED) continue;
      this.#secrets.add(part);
      this.#secrets.add(Buffer.from(part, "utf8").toString("latin1"));
      this.#secrets.add(part.replaceAll("'", `'\\''`));
    }
  }

  /** Collects the values of redacted fields found in `Name: value` lines of `text`. */
  collectFromLines(text: string): void {
    for (const line of text.split("\n")) {
      const match = this.#fieldLine.exec(line);
      if (match?.[4]) this.addSecret(match[2] ?? "", match[4]);
    }
  }

  /** Replaces the value of each redacted field line and its continuation lines. */
  redactFieldLines(text: string): string {
    if (!text.includes(":")) return text;
    let inRedactedField = false;
    const lines = text.split("\n").map((line) => {
      const match = this.#fieldLine.exec(line);
      if (match !== null) {
        const [, indent = "", name = "", separator = "", value = "", cr = ""] = match;
        inRedactedField = true;
        if (value === "" || value.startsWith(REDACTED.slice(0, -1))) return line;
        this.hits.add(name.toLowerCase());
        return `${indent}${name}${separator}${sized(value)}${cr}`;
      }
      // obs-fold: a line starting with whitespace continues the previous field's value.
      const continuation = /^([ \t]+)([^\n]*?)(\r?)$/.exec(line);
      if (inRedactedField && continuation !== null && continuation[2] !== "") {
        return `${continuation[1]}${sized(continuation[2] ?? "")}${continuation[3]}`;
      }
      inRedactedField = false;
      return line;
    });
    return lines.join("\n");
  }

  /** Replaces every known secret value in `text`, longest first so no fragment survives. */
  redactValues(text: string): string {
    let out = text;
    for (const secret of this.#sortedSecrets()) out = out.replaceAll(secret, REDACTED);
    return out;
  }

  redactText(text: string): string {
    return this.redactValues(this.redactFieldLines(text));
  }

  redactBody(body: Buffer): Buffer {
    let out = body;
    for (const secret of this.#sortedSecrets()) {
      for (const encoding of ["utf8", "latin1"] as const) {
        out = replaceBytes(out, Buffer.from(secret, encoding), Buffer.from(REDACTED, "latin1"));
      }
    }
    return out;
  }

  /** Structural pass over `[name, value]` tuples. */
  redactTuple(field: readonly [string, string]): [string, string] {
    if (!this.isRedactedName(field[0]) || field[1] === "" || field[1] === REDACTED) return [field[0], field[1]];
    this.hits.add(field[0].trim().toLowerCase());
    return [field[0], REDACTED];
  }

  #sortedSecrets(): string[] {
    return [...this.#secrets].sort((a, b) => b.length - a.length);
  }
}

/**
 * In a raw head, a redacted value keeps its size ("[REDACTED, 1,034 bytes]"): the size of each
 * field is evidence when the block is too large, and the size is not the secret.
 */
function sized(value: string): string {
  return `[REDACTED, ${formatCount(value.length)} byte${value.length === 1 ? "" : "s"}]`;
}

function replaceBytes(haystack: Buffer, needle: Buffer, replacement: Buffer): Buffer {
  let at = haystack.indexOf(needle);
  if (at === -1) return haystack;
  const pieces: Buffer[] = [];
  let from = 0;
  while (at !== -1) {
    pieces.push(haystack.subarray(from, at), replacement);
    from = at + needle.length;
    at = haystack.indexOf(needle, from);
  }
  pieces.push(haystack.subarray(from));
  return Buffer.concat(pieces);
}
