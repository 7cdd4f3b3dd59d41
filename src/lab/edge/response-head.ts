/**
 * Reads an origin's response head the way Cloudflare's proxy does, independently of
 * diag520's own parser (`src/http/`): the fake edge is a second implementation to check it against.
 *
 * Why not node's http client (llhttp)? Pingora, Cloudflare's open-source proxy framework, reads
 * responses with httparse configured to allow whitespace between a field name and its colon and
 * obs-fold continuation lines (cloudflare/pingora `pingora-core/src/protocols/http/v1/client.rs`,
 * `parse_resp_buffer`). llhttp rejects whitespace before the colon even with
 * `insecureHTTPParser` ("Invalid header token"), and that lenient mode also accepts what httparse
 * rejects (control characters such as NUL in a field value). So the rules are httparse's, here:
 * - status line `HTTP/1.0|1.1 SP 3DIGIT [SP reason]`; a status under 100 fails (`StatusCode`);
 * - CRLF or bare LF line ends; empty lines before the status line are skipped;
 * - field names are tokens (RFC 9110 §5.6.2), optionally followed by SP/HTAB before the colon;
 * - field values and reasons: HTAB, SP, VCHAR, obs-text; anything else (CTLs, a lone CR) fails;
 * - obs-fold lines continue the previous value (joined with one SP, RFC 9112 §5.2);
 * - at most 256 fields (pingora `common.rs` MAX_HEADERS);
 * - at most 128 KiB of head, Cloudflare's limit since October 2025 (cloudflare-docs PR #25872);
 *   pingora's own 1 MiB limit is never reached first;
 * - a final head with no field line is refused (cloudflare-docs error-520, "missing response
 *   headers"), a rule of Cloudflare's documentation rather than of httparse.
 * A line is judged once it is complete (has its LF): httparse also rejects a bad byte in a line
 * still arriving, a difference of timing only.
 */

export const MAX_HEAD_BYTES = 128 * 1024;
export const MAX_FIELDS = 256;

export interface ResponseHead {
  readonly version: "1.0" | "1.1";
  readonly status: number;
  readonly reason: string;
  /** Field lines in order, names as sent, obs-fold joined. */
  readonly fields: ReadonlyArray<readonly [string, string]>;
}

export type HeadProgress =
  | { readonly kind: "partial" }
  | { readonly kind: "invalid"; readonly reason: string; readonly tooLarge: boolean }
  | { readonly kind: "complete"; readonly head: ResponseHead; readonly rest: Buffer };

const LF = 0x0a;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?:$| ([\t\x20-\x7e\x80-\xff]*)$)/;
const FIELD_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)[ \t]*:[ \t]*([\t\x20-\x7e\x80-\xff]*?)[ \t]*$/;
const CONTINUATION = /^[ \t]+([\t\x20-\x7e\x80-\xff]*?)[ \t]*$/;

/** Feed it the origin's bytes as they arrive; it answers once the head is complete or invalid. */
export class ResponseHeadReader {
  private buffer = Buffer.alloc(4096);
  private length = 0;
  /** Where the next unread line starts. */
  private lineStart = 0;
  private statusLine: { version: "1.0" | "1.1"; status: number; reason: string } | null = null;
  private fields: Array<[string, string]> = [];

  /** Bytes received for the head being read (an interim 1xx head resets it). */
  get received(): number {
    return this.length;
  }

  push(chunk: Buffer): HeadProgress {
    this.append(chunk);
    return this.readLines();
  }

  private append(chunk: Buffer): void {
    if (this.length + chunk.length > this.buffer.length) {
      const grown = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + chunk.length));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    chunk.copy(this.buffer, this.length);
    this.length += chunk.length;
  }

  private readLines(): HeadProgress {
    for (;;) {
      const lf = this.buffer.subarray(0, this.length).indexOf(LF, this.lineStart);
      if (lf === -1) return this.partialOrTooLarge(this.length);
      const end = lf > this.lineStart && this.buffer[lf - 1] === 0x0d ? lf - 1 : lf;
      const line = this.buffer.toString("latin1", this.lineStart, end);
      this.lineStart = lf + 1;
      if (this.lineStart > MAX_HEAD_BYTES) return this.tooLarge();
      const outcome = this.readLine(line);
      if (outcome !== null) return outcome;
    }
  }

  /** null: keep reading lines. */
  private readLine(line: string): HeadProgress | null {
    if (this.statusLine === null) {
      if (line === "") return null; // httparse skips empty lines before the status line
      const match = STATUS_LINE.exec(line);
      const status = Number(match?.[2]);
      if (!match || status < 100) return invalid(`invalid status line: ${JSON.stringify(line.slice(0, 80))}`);
      this.statusLine = { version: match[1] === "0" ? "1.0" : "1.1", status, reason: match[3] ?? "" };
      return null;
    }
    if (line === "") return this.completed();
    if (line.startsWith(" ") || line.startsWith("\t")) {
      const last = this.fields.at(-1);
      const continuation = CONTINUATION.exec(line);
      if (last === undefined || !continuation) return invalid("invalid obs-fold line");
      last[1] = last[1] === "" ? (continuation[1] ?? "") : `${last[1]} ${continuation[1] ?? ""}`;
      return null;
    }
    const field = FIELD_LINE.exec(line);
    if (!field) return invalid(`invalid field line: ${JSON.stringify(line.slice(0, 80))}`);
    if (this.fields.length >= MAX_FIELDS) return invalid(`more than ${MAX_FIELDS} header fields`);
    this.fields.push([field[1] ?? "", field[2] ?? ""]);
    return null;
  }

  private completed(): HeadProgress {
    const statusLine = this.statusLine;
    if (statusLine === null) return invalid("no status line");
    const head: ResponseHead = { ...statusLine, fields: this.fields };
    const rest = Buffer.from(this.buffer.subarray(this.lineStart, this.length));
    // Interim 1xx heads (100, 103) are read past, as pingora's read_response loop does; a 101
    // is a switch the edge never asked for (it forwards no Upgrade) and ends the exchange.
    if (head.status < 200 && head.status !== 101) {
      this.reset();
      return rest.length > 0 ? this.push(rest) : { kind: "partial" };
    }
    // cloudflare-docs error-520 lists "missing response headers" among its causes; httparse
    // alone would accept a final head with no field at all.
    if (head.fields.length === 0) return invalid("a response head without any header field");
    return { kind: "complete", head, rest };
  }

  private partialOrTooLarge(received: number): HeadProgress {
    return received > MAX_HEAD_BYTES ? this.tooLarge() : { kind: "partial" };
  }

  private tooLarge(): HeadProgress {
    return { kind: "invalid", reason: `response head over ${MAX_HEAD_BYTES} bytes`, tooLarge: true };
  }

  private reset(): void {
    this.length = 0;
    this.lineStart = 0;
    this.statusLine = null;
    this.fields = [];
  }
}

function invalid(reason: string): HeadProgress {
  return { kind: "invalid", reason, tooLarge: false };
}
