/**
 * The only two error classes (STYLE.md §6). Findings are never exceptions: these are for the
 * tool's own failures. A UsageError is the user's to fix: one line on stderr, exit 2, no stack.
 * Anything else that escapes is a bug: stack on stderr, exit 3.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export class InternalError extends Error {
  override readonly name = "InternalError";
}
