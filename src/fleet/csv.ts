/**
 * CSV as RFC 4180 writes it: comma-separated fields, records ending in CRLF or LF, fields in
 * double quotes may hold commas, line breaks and `""` for a quote. Each record keeps the line it
 * starts on. Bounded: a record longer than `maxRecordChars` is reported, not kept, and an
 * unterminated quote is reported once, at the line it opened.
 */

export type CsvRecord =
  | { readonly line: number; readonly cells: readonly string[] }
  | { readonly line: number; readonly error: string };

export function parseCsv(text: string, maxRecordChars: number): CsvRecord[] {
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const startLine = line;
    const startIndex = i;
    const cells: string[] = [];
    let cell = "";
    let quoted = false;
    let wasQuoted = false;
    let ended = false;
    let tooLong = false;
    while (i < text.length) {
      const c = text[i] as string;
      if (!tooLong && i - startIndex > maxRecordChars) tooLong = true;
      if (quoted) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          quoted = false;
        } else {
          if (c === "\n") line++;
          if (!tooLong) cell += c;
        }
        i++;
        continue;
      }
      if (c === '"' && cell.trim() === "") {
        quoted = true;
        wasQuoted = true;
        cell = "";
        i++;
      } else if (c === ",") {
        cells.push(wasQuoted ? cell : cell.trim());
        cell = "";
        wasQuoted = false;
        i++;
      } else if (c === "\n" || c === "\r") {
        i += c === "\r" && text[i + 1] === "\n" ? 2 : 1;
        line++;
        ended = true;
        break;
      } else {
        if (!tooLong) cell += c;
        i++;
      }
    }
    if (quoted) {
      records.push({ line: startLine, error: `a quoted field opened on line ${startLine} never closes` });
      break;
    }
    cells.push(wasQuoted ? cell : cell.trim());
    if (tooLong) {
      records.push({ line: startLine, error: `the record is longer than ${maxRecordChars} characters` });
    } else if (!(cells.length === 1 && cells[0] === "" && !wasQuoted)) {
      records.push({ line: startLine, cells });
    }
    if (!ended) break;
  }
  return records;
}
