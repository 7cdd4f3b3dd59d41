/**
 * POSIX shell quoting, so that a reproduction command pastes into any sh-compatible shell and
 * runs with exactly these words. Single quotes turn off every expansion (POSIX.1-2017
 * "2.2.2 Single-Quotes"); a single quote itself cannot appear inside them, so it is written
 * as `'\''`: close, an escaped quote, reopen.
 */

/** Characters that no POSIX shell treats specially anywhere in a word. */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one word; words made only of safe characters are left bare, for readability. */
export function shellQuote(word: string): string {
  if (SAFE_WORD.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Quotes each word and joins them with spaces: one command line. */
export function shellJoin(words: readonly string[]): string {
  return words.map(shellQuote).join(" ");
}
