/**
 * The one line a usage error prints (DESIGN.md exit code 2: "clear one-line message"). Messages
 * quote what the user typed, and what they typed may hold a newline or an escape sequence (a
 * pasted header, a hostname from a script): quoted back raw, it would split the line or drive
 * the terminal, so every control character is shown escaped.
 */
import { escapeForTerminal } from "../text/escape.js";

const LINE_BREAKS: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** The message on one line, with newlines, tabs and every other control character escaped. */
export function toOneLine(message: string): string {
  return escapeForTerminal(message).replace(/[\n\r\t]/g, (c) => LINE_BREAKS[c] ?? c);
}

/** What would be valid, for the commander errors whose own message names only the problem. */
const HINTS: Readonly<Record<string, string>> = {
  "commander.missingArgument": "give the site's hostname first, as in: diag520 example.com --origin 203.0.113.7",
  "commander.unknownOption": "diag520 --help lists the options",
  "commander.optionMissingArgument": "diag520 --help says what each option takes",
  "commander.excessArguments": "give one hostname, with the options after it, as in: diag520 example.com --port 8443",
  "commander.unknownCommand": "diag520 --help lists the commands",
};

/**
 * A commander parse error as one line: its "(Did you mean --json?)" suggestion, which commander
 * puts on a second line, joins the first, and a hint says what would be valid.
 */
export function describeCommanderError(code: string, message: string): string {
  const [problem = message, ...rest] = message.replace(/^error: /, "").split("\n(Did you mean ");
  const suggestion = rest.length > 0 ? ` (did you mean ${rest.join(" ")}` : "";
  // "too many arguments for 'schema'": the hostname hint is for the main command only.
  const forSubcommand = code === "commander.excessArguments" && problem.includes(" for '");
  const forBatch = code === "commander.missingArgument" && problem.includes("'file'");
  const hint = forBatch
    ? "give the file of targets, or - for stdin, as in: diag520 batch origins.txt"
    : suggestion === "" && !forSubcommand
      ? HINTS[code]
      : undefined;
  return `${problem.replace(/\.$/, "")}${suggestion}${hint === undefined ? "" : `; ${hint}`}`;
}
