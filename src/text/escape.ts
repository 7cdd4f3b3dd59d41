/**
 * Makes bytes from an origin safe to print on a terminal (DESIGN.md, "The report"): an origin
 * must not be able to move the cursor, clear the screen or retitle the window. Every C0 and C1
 * control character, DEL, and every byte that is not printable ASCII is shown as an escape;
 * backslash is doubled so that the escaped text is unambiguous. JSON output keeps the exact
 * text instead (JSON's own escaping is already safe).
 */
const NAMED: Readonly<Record<number, string>> = { 9: "\\t", 10: "\\n", 13: "\\r", 92: "\\\\" };

/** Escapes a latin1 "wire" string (one character per byte). */
export function escapeWireText(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const named = NAMED[code];
    if (named !== undefined) out += named;
    else if (code >= 0x20 && code < 0x7f) out += text[i];
    else if (code < 0x100) out += `\\x${code.toString(16).padStart(2, "0")}`;
    // Above 0xff it cannot be a byte from the wire: it is our own text (a Unicode hostname, a dash).
    else out += escapeForTerminal(text[i] as string);
  }
  return out;
}

/** Escapes any string (Unicode allowed, controls and bidi overrides not) for a terminal. */
export function escapeForTerminal(text: string): string {
  // C0, DEL, C1, and the bidi/format characters that can reorder what a reader sees.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** As `escapeForTerminal`, for text that must stay on one line (a summary, the verdict): LF and TAB are escaped too. */
export function escapeLineForTerminal(text: string): string {
  return escapeForTerminal(text).replace(/[\n\t]/g, (c) => (c === "\n" ? "\\n" : "\\t"));
}

// DEL, C1 (U+009B is CSI to a terminal that reads C1 in UTF-8), bidi controls, and the JavaScript line separators.
const JSON_UNSAFE = /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/**
 * `JSON.stringify`, with the characters that JSON leaves raw but a terminal may obey written as
 * \uXXXX escapes: `diag520 --json` on a terminal stays inert, and JSON.parse gives back exactly
 * the same value. (Outside strings JSON text is ASCII, so only string contents change.)
 */
export function stringifyJsonForTerminal(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    JSON_UNSAFE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * A CI runner obeys a line of a step's output that starts, after leading whitespace, with "::"
 * (GitHub Actions workflow commands; CVE-2020-15228): any such line of ours carries origin bytes
 * or a user's input, so its first colon is written as the escape `\x3a`.
 */
export function neutraliseWorkflowCommands(text: string): string {
  return text.replace(/^([ \t]*)::/gm, "$1\\x3a:");
}
