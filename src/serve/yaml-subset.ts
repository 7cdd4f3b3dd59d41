/**
 * A strict subset of YAML 1.2 for `diag520 serve --config`, so that the configuration needs no
 * YAML library (runtime dependencies are commander, undici, chalk, ora and zod only).
 *
 * Accepted: block mappings and block sequences (indented with spaces), plain scalars, single-
 * and double-quoted scalars on one line, one-line flow sequences of scalars (`[a, "b"]`), `[]`
 * and `{}`, comments, one leading `---`. Everything else is refused with its line number:
 * anchors, aliases, tags, block scalars (`|`, `>`), flow mappings, multi-line scalars, complex
 * keys, directives, several documents, tabs for indentation.
 *
 * The rule: a document this parser accepts means the same under any YAML 1.2 parser. Plain
 * scalars resolve as YAML 1.2's core schema does (null, booleans, decimal numbers, else a
 * string); forms that YAML 1.1 parsers (still common: PyYAML, go-yaml v2) read differently are
 * refused with a hint to quote them: `yes`/`no`/`on`/`off`, `010`, `1_000`, `1:30`.
 */

export class YamlSubsetError extends Error {
  override readonly name = "YamlSubsetError";
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

export type YamlValue = null | boolean | number | string | YamlValue[] | { [key: string]: YamlValue };

export interface YamlDocument {
  readonly value: YamlValue;
  /** The line where the value at `path` (keys and indices) starts, or where its nearest parent below the root does. */
  lineOf(path: readonly PropertyKey[]): number | null;
}

/** Deeper than any sensible configuration; a guard against a hostile file exhausting the stack. */
const MAX_DEPTH = 32;

interface Line {
  /** 1-based, as an editor shows it. */
  readonly number: number;
  readonly indent: number;
  /** The line after its indentation (comments not yet removed: they depend on quoting). */
  readonly text: string;
}

export function parseYamlSubset(source: string): YamlDocument {
  const lines = splitLines(source.startsWith("\uFEFF") ? source.slice(1) : source);
  const lineNumbers = new Map<string, number>();
  const parser = new Parser(lines, lineNumbers);
  const value = parser.document();
  return {
    value,
    lineOf(path) {
      for (let length = path.length; length >= 1; length--) {
        const found = lineNumbers.get(pathKey(path.slice(0, length)));
        if (found !== undefined) return found;
      }
      return null;
    },
  };
}

function pathKey(path: readonly PropertyKey[]): string {
  return JSON.stringify(path.map((segment) => (typeof segment === "symbol" ? String(segment) : segment)));
}

/** Lines that carry content: blank lines and whole-line comments are dropped here. */
function splitLines(source: string): Line[] {
  const lines: Line[] = [];
  const raw = source.split(/\r\n|\n|\r/);
  raw.forEach((text, index) => {
    const number = index + 1;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    const control = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.exec(text);
    if (control) throw new YamlSubsetError(number, `control character U+${hex4(control[0])} is not allowed`);
    const indent = /^ */.exec(text)?.[0].length ?? 0;
    const rest = text.slice(indent);
    if (rest.startsWith("\t")) throw new YamlSubsetError(number, "a tab in the indentation: indent with spaces");
    if (rest.trim() === "" || rest.startsWith("#")) return;
    lines.push({ number, indent, text: rest.replace(/[ \t]+$/, "") });
  });
  return lines;
}

function hex4(char: string): string {
  return (char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
}

class Parser {
  private index = 0;

  constructor(
    private readonly lines: Line[],
    private readonly lineNumbers: Map<string, number>,
  ) {}

  document(): YamlValue {
    const first = this.lines[0];
    if (first?.text.startsWith("%"))
      throw new YamlSubsetError(first.number, "directives (%YAML, %TAG) are not supported");
    if (first !== undefined && first.indent === 0 && /^---(\s|$)/.test(first.text)) {
      if (!/^---(\s+#.*)?$/.test(first.text))
        throw new YamlSubsetError(
          first.number,
          "content on the '---' line is not supported: start it on the next line",
        );
      this.index++;
    }
    const marker = this.lines.find(
      (line, i) => i >= this.index && line.indent === 0 && /^(---|\.\.\.)(\s|$)/.test(line.text),
    );
    if (marker !== undefined)
      throw new YamlSubsetError(marker.number, "only one document is supported (no '---' or '...' after the first)");
    const start = this.lines[this.index];
    if (start === undefined) return null;
    if (start.indent !== 0) throw new YamlSubsetError(start.number, "the document must start at column 1");
    const value = this.block(0, [], 0);
    const extra = this.lines[this.index];
    if (extra !== undefined) throw new YamlSubsetError(extra.number, "unexpected indentation");
    return value;
  }

  /** The node that starts at the current line, whose indentation is `indent`. */
  private block(indent: number, path: readonly PropertyKey[], depth: number): YamlValue {
    const line = this.current();
    if (depth > MAX_DEPTH) throw new YamlSubsetError(line.number, `nested deeper than ${MAX_DEPTH} levels`);
    // A value on the lines below its key keeps the key's line.
    if (!this.lineNumbers.has(pathKey(path))) this.lineNumbers.set(pathKey(path), line.number);
    if (isSequenceEntry(line.text)) return this.sequence(indent, path, depth);
    if (mappingKey(line) !== null) return this.mapping(indent, path, depth);
    const value = inlineValue(line.text, line.number);
    this.index++;
    this.refuseContinuation(indent);
    return value;
  }

  /** `inMapping`: the sequence sits at its key's own indentation, and the next key there ends it. */
  private sequence(indent: number, path: readonly PropertyKey[], depth: number, inMapping = false): YamlValue[] {
    const items: YamlValue[] = [];
    for (;;) {
      const line = this.lines[this.index];
      if (line === undefined || line.indent < indent) break;
      if (inMapping && line.indent === indent && !isSequenceEntry(line.text)) break;
      if (line.indent > indent) throw new YamlSubsetError(line.number, "unexpected indentation");
      if (!isSequenceEntry(line.text)) {
        if (mappingKey(line) !== null)
          throw new YamlSubsetError(line.number, "a mapping key where a sequence entry ('- ') was expected");
        throw new YamlSubsetError(line.number, "expected a sequence entry ('- value')");
      }
      const itemPath = [...path, items.length];
      const rest = line.text.slice(1);
      const gap = /^ */.exec(rest)?.[0].length ?? 0;
      if (rest.slice(gap) === "" || rest.slice(gap).startsWith("#")) {
        // "-" alone: the item is the block below it, or null.
        this.lineNumbers.set(pathKey(itemPath), line.number);
        this.index++;
        const next = this.lines[this.index];
        items.push(next !== undefined && next.indent > indent ? this.block(next.indent, itemPath, depth + 1) : null);
        continue;
      }
      // "- key: value" or "- - x": the rest of the line is a node indented by where it starts.
      this.lines[this.index] = { number: line.number, indent: indent + 1 + gap, text: rest.slice(gap) };
      items.push(this.block(indent + 1 + gap, itemPath, depth + 1));
    }
    return items;
  }

  private mapping(indent: number, path: readonly PropertyKey[], depth: number): { [key: string]: YamlValue } {
    const result: { [key: string]: YamlValue } = {};
    const seen = new Map<string, number>();
    for (;;) {
      const line = this.lines[this.index];
      if (line === undefined || line.indent < indent) break;
      if (line.indent > indent) throw new YamlSubsetError(line.number, "unexpected indentation");
      const entry = mappingKey(line);
      if (entry === null) {
        if (isSequenceEntry(line.text))
          throw new YamlSubsetError(line.number, "a sequence entry ('- ') where a mapping key was expected");
        throw new YamlSubsetError(line.number, "expected 'key: value'");
      }
      const first = seen.get(entry.key);
      if (first !== undefined)
        throw new YamlSubsetError(line.number, `duplicate key '${entry.key}' (first on line ${first})`);
      seen.set(entry.key, line.number);
      const valuePath = [...path, entry.key];
      this.lineNumbers.set(pathKey(valuePath), line.number);
      this.index++;
      let value: YamlValue;
      if (entry.rest === "" || entry.rest.startsWith("#")) {
        const next = this.lines[this.index];
        // A sequence may sit at the key's own indentation ("key:\n- a"), as YAML allows.
        if (next !== undefined && next.indent > indent) value = this.block(next.indent, valuePath, depth + 1);
        else if (next !== undefined && next.indent === indent && isSequenceEntry(next.text)) {
          this.lineNumbers.set(pathKey(valuePath), line.number);
          value = this.sequence(indent, valuePath, depth + 1, true);
        } else value = null;
      } else {
        value = inlineValue(entry.rest, line.number);
        this.refuseContinuation(indent);
      }
      // An own property even for "__proto__", as JSON.parse makes it: never the prototype.
      Object.defineProperty(result, entry.key, { value, enumerable: true, writable: true, configurable: true });
    }
    return result;
  }

  /** A scalar on one line is the whole value: a deeper line after it would continue it (multi-line scalars are out). */
  private refuseContinuation(indent: number): void {
    const next = this.lines[this.index];
    if (next !== undefined && next.indent > indent)
      throw new YamlSubsetError(next.number, "unexpected indentation (a value may not continue on the next line)");
  }

  private current(): Line {
    const line = this.lines[this.index];
    if (line === undefined) throw new Error("yaml-subset: read past the last line");
    return line;
  }
}

function isSequenceEntry(text: string): boolean {
  return text === "-" || text.startsWith("- ");
}

/** `key: rest` → the key and what follows the colon (trimmed), or null when the line is not a mapping entry. */
function mappingKey(line: Line): { key: string; rest: string } | null {
  const { text, number } = line;
  if (text.startsWith("? ") || text === "?") throw new YamlSubsetError(number, "complex keys ('? ') are not supported");
  if (text.startsWith('"') || text.startsWith("'")) {
    const quoted = readQuoted(text, number);
    const after = text.slice(quoted.end);
    const colon = /^ *:( |$)/.exec(after);
    if (colon === null) return null;
    return { key: quoted.value, rest: after.slice(colon[0].length).trim() };
  }
  const colon = /:( |$)/.exec(text);
  if (colon === null) return null;
  const key = text.slice(0, colon.index).replace(/ +$/, "");
  if (/ #/.test(key) || key.startsWith("#")) return null;
  if (isSequenceEntry(text)) return null;
  if (key === "") throw new YamlSubsetError(number, "a mapping entry without a key");
  if (/^[[{]/.test(key)) throw new YamlSubsetError(number, "flow collections as keys are not supported");
  checkPlainStart(key, number);
  return { key, rest: text.slice(colon.index + 1).trim() };
}

/** A value written on the line of its key or dash: a scalar, a one-line flow sequence, `[]` or `{}`. */
function inlineValue(text: string, number: number): YamlValue {
  if (text.startsWith('"') || text.startsWith("'")) {
    const quoted = readQuoted(text, number);
    refuseTrailing(text.slice(quoted.end), number);
    return quoted.value;
  }
  if (text.startsWith("[")) return flowSequence(text, number);
  if (text.startsWith("{")) {
    const close = /^\{ *\}/.exec(text);
    if (close === null)
      throw new YamlSubsetError(
        number,
        "flow mappings ({a: b}) are not supported: write a block mapping, one key per line",
      );
    refuseTrailing(text.slice(close[0].length), number);
    return {};
  }
  const plain = stripComment(text);
  checkPlainStart(plain, number);
  if (/: /.test(plain) || plain.endsWith(":"))
    throw new YamlSubsetError(number, `the value '${plain}' holds ': ': quote it`);
  return resolvePlain(plain, number);
}

/** `[a, "b", 3]` on one line: scalars only. */
function flowSequence(text: string, number: number): YamlValue[] {
  const items: YamlValue[] = [];
  let rest = text.slice(1).trimStart();
  for (;;) {
    if (rest.startsWith("]")) {
      refuseTrailing(rest.slice(1), number);
      return items;
    }
    if (rest === "" || rest.startsWith("#"))
      throw new YamlSubsetError(number, "a flow sequence ('[') must close on the same line");
    if (rest.startsWith("[") || rest.startsWith("{"))
      throw new YamlSubsetError(number, "nested flow collections are not supported");
    let item: YamlValue;
    if (rest.startsWith('"') || rest.startsWith("'")) {
      const quoted = readQuoted(rest, number);
      item = quoted.value;
      rest = rest.slice(quoted.end).trimStart();
    } else {
      const end = /[,\]]|\s#/.exec(rest);
      const plain = (end === null ? rest : rest.slice(0, end.index)).trim();
      if (plain === "") throw new YamlSubsetError(number, "an empty entry in a flow sequence");
      if (/[{}[]/.test(plain) || /: |:$/.test(plain))
        throw new YamlSubsetError(number, `the entry '${plain}' needs quotes inside [ ]`);
      checkPlainStart(plain, number);
      item = resolvePlain(plain, number);
      rest = end === null ? "" : rest.slice(end.index);
    }
    items.push(item);
    if (rest.startsWith(",")) rest = rest.slice(1).trimStart();
    else if (!rest.startsWith("]"))
      throw new YamlSubsetError(number, "expected ',' or ']' after an entry of a flow sequence");
  }
}

/** After a quoted scalar or a closing bracket: only a comment, separated by a space, may follow. */
function refuseTrailing(rest: string, number: number): void {
  if (rest === "" || /^\s+#/.test(rest)) return;
  throw new YamlSubsetError(number, `unexpected '${rest.trim()}' after the value`);
}

function stripComment(text: string): string {
  const hash = /\s#/.exec(text);
  return (hash === null ? text : text.slice(0, hash.index)).trim();
}

/** YAML's indicators cannot start a plain scalar; the ones this subset leaves out get a word on why. */
function checkPlainStart(plain: string, number: number): void {
  const first = plain[0] ?? "";
  if (first === "*") throw new YamlSubsetError(number, `'${plain}' reads as an alias (*): quote it, as in "${plain}"`);
  if (first === "&") throw new YamlSubsetError(number, "anchors (&) are not supported");
  if (first === "!") throw new YamlSubsetError(number, "tags (!) are not supported");
  if (first === "|" || first === ">") throw new YamlSubsetError(number, "block scalars (| and >) are not supported");
  if ("@`%".includes(first)) throw new YamlSubsetError(number, `a value starting with '${first}' must be quoted`);
  if ("]},#".includes(first)) throw new YamlSubsetError(number, `unexpected '${first}'`);
  if (/^[-?:]( |$)/.test(plain)) throw new YamlSubsetError(number, `unexpected '${first} ' in a value`);
}

const NULLS = new Set(["null", "Null", "NULL", "~"]);
const TRUES = new Set(["true", "True", "TRUE"]);
const FALSES = new Set(["false", "False", "FALSE"]);
/** YAML 1.1 booleans: strings in YAML 1.2, booleans to many parsers still in use. */
const YAML11_BOOLEANS = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;
const DECIMAL = /^[-+]?(0|[1-9][0-9]*)$/;
const FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/** YAML 1.2 core schema, minus what YAML 1.1 would read another way. */
function resolvePlain(plain: string, number: number): YamlValue {
  if (NULLS.has(plain)) return null;
  if (TRUES.has(plain)) return true;
  if (FALSES.has(plain)) return false;
  if (YAML11_BOOLEANS.test(plain))
    throw new YamlSubsetError(number, `'${plain}' is a boolean to some YAML parsers: write true or false, or quote it`);
  if (/^[-+]?0[0-9]+$/.test(plain))
    throw new YamlSubsetError(
      number,
      `'${plain}' has a leading zero (octal to some YAML parsers): drop it, or quote it`,
    );
  if (/^[-+]?(0[xXoObB]|\.(inf|Inf|INF|nan|NaN|NAN)$)/.test(plain))
    throw new YamlSubsetError(number, `'${plain}': write numbers in decimal (or quote it for a string)`);
  if (/^[-+]?[0-9][0-9_]*(\.[0-9_]*)?$/.test(plain) && plain.includes("_"))
    throw new YamlSubsetError(number, `'${plain}' is a number to some YAML parsers: drop the '_', or quote it`);
  if (/^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$/.test(plain))
    throw new YamlSubsetError(number, `'${plain}' is a base-60 number to some YAML parsers: quote it`);
  if (FLOAT.test(plain) && (/[eE]/.test(plain) || /^[-+]\./.test(plain)))
    throw new YamlSubsetError(
      number,
      `'${plain}' is a string to some YAML parsers: write it as 1000 or 0.5, or quote it`,
    );
  if (DECIMAL.test(plain) || FLOAT.test(plain)) {
    const value = Number(plain);
    if (!Number.isFinite(value)) throw new YamlSubsetError(number, `'${plain}' is out of range`);
    if (DECIMAL.test(plain) && !Number.isSafeInteger(value))
      throw new YamlSubsetError(number, `'${plain}' is too large to be held exactly`);
    return value;
  }
  return plain;
}

const ESCAPES: Readonly<Record<string, string>> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  t: "\t",
  "\t": "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  e: "\x1b",
  " ": " ",
  '"': '"',
  "/": "/",
  "\\": "\\",
  N: "\u0085",
  _: "\u00a0",
  L: "\u2028",
  P: "\u2029",
};
const HEX_ESCAPES: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

/** A quoted scalar at the start of `text`, ending on the same line. */
function readQuoted(text: string, number: number): { value: string; end: number } {
  const quote = text[0];
  let value = "";
  for (let i = 1; i < text.length; i++) {
    const char = text[i] as string;
    if (quote === "'") {
      if (char !== "'") value += char;
      else if (text[i + 1] === "'") {
        value += "'";
        i++;
      } else return { value, end: i + 1 };
      continue;
    }
    if (char === '"') return { value, end: i + 1 };
    if (char !== "\\") {
      value += char;
      continue;
    }
    const escaped = text[i + 1] ?? "";
    const digits = HEX_ESCAPES[escaped];
    if (digits !== undefined) {
      const hex = text.slice(i + 2, i + 2 + digits);
      const code = /^[0-9A-Fa-f]+$/.test(hex) && hex.length === digits ? Number.parseInt(hex, 16) : Number.NaN;
      if (!(code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff))
        throw new YamlSubsetError(number, `'\\${escaped}' needs ${digits} hexadecimal digits of a valid code point`);
      value += String.fromCodePoint(code);
      i += 1 + digits;
      continue;
    }
    const replacement = ESCAPES[escaped];
    if (replacement === undefined)
      throw new YamlSubsetError(
        number,
        escaped === "" ? "a quoted value must end on the same line" : `unknown escape '\\${escaped}'`,
      );
    value += replacement;
    i++;
  }
  throw new YamlSubsetError(number, "a quoted value must end on the same line (multi-line scalars are not supported)");
}
