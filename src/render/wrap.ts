/**
 * Word wrapping for the terminal report: lines break between words, never inside one, unless a
 * single word is wider than the line (a URL, a base64 blob), which is then cut where it must be.
 * Widths count code points; the text is already escaped, so no control character is in it.
 * ANSI colour sequences are not counted: styles are applied to whole wrapped lines afterwards.
 */

/** `text` as lines of at most `width` columns, the first prefixed by `first`, the rest by `rest`. */
export function wrap(text: string, width: number | null, first = "", rest = first): string[] {
  if (width === null) return [`${first}${text}`];
  const lines: string[] = [];
  let line = first;
  let empty = true;
  const room = (prefix: string) => Math.max(10, width - [...prefix].length);
  for (const word of text.split(/ +/).filter((w) => w !== "")) {
    const prefix = lines.length === 0 ? first : rest;
    const candidate = empty ? `${line}${word}` : `${line} ${word}`;
    if ([...candidate].length <= width || (empty && [...word].length <= room(prefix))) {
      line = candidate;
      empty = false;
      continue;
    }
    if (!empty) {
      lines.push(line);
      line = rest;
      empty = true;
    }
    // A word wider than a whole line is cut into line-sized pieces.
    let remaining = [...word];
    const fit = room(rest);
    while (remaining.length > fit) {
      lines.push(`${line}${remaining.slice(0, fit).join("")}`);
      line = rest;
      remaining = remaining.slice(fit);
    }
    line = `${line}${remaining.join("")}`;
    empty = remaining.length === 0;
  }
  lines.push(line);
  return lines;
}
