/**
 * A target as a record (a JSON Lines object, or a CSV row under its header): the report's own
 * target fields, checked for shape here with zod (loaded only on the batch path), then turned
 * into the same strings the command line's flags carry, so that the single-run validators
 * (src/input/) judge them exactly as they judge `--origin`, `--port`, `--header`, ….
 *
 * `sslMode` says how the CDN talks to the origin, as --ssl-mode does: off and flexible are plain
 * HTTP, full and strict are HTTPS (strict checks the certificate). A contradicting `scheme` is
 * refused here, with the line's own words.
 * `displayHostname` and `address` are accepted and ignored, so that the `target` of an earlier
 * report can be fed back as it is (`jq -c .target`).
 */
import { z } from "zod";

/** The strings a line's target carries, named as the flags that take them. */
export interface LineFields {
  readonly hostname: string;
  readonly origin?: string;
  readonly port?: string;
  readonly scheme?: string;
  readonly sslMode?: string;
  /** false: HTTP/2 to Origin is off (--no-h2). */
  readonly h2?: boolean;
  readonly path?: string;
  readonly method?: string;
  /** "Name: value", as --header takes them. */
  readonly headers?: readonly string[];
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const SSL_MODES = ["off", "flexible", "full", "strict"] as const;

const headerField = z.union(
  [z.tuple([z.string().regex(TOKEN, "a header name is a token (letters, digits, -)"), z.string()]), z.string().min(1)],
  { error: 'each header is ["Name", "value"] or "Name: value"' },
);

export const targetRecordSchema = z.strictObject({
  hostname: z.string({ error: "hostname is required, as a string" }),
  displayHostname: z.string().optional(),
  address: z.string().nullable().optional(),
  origin: z.string().nullable().optional(),
  port: z.union([z.number().int(), z.string()], { error: "port is a whole number" }).optional(),
  scheme: z.string().optional(),
  path: z.string().optional(),
  method: z.string().optional(),
  sslMode: z.enum(SSL_MODES, { error: `sslMode is one of ${SSL_MODES.join(", ")}` }).optional(),
  // "HTTP/2 to Origin" at the CDN, as --no-h2 says it (a CSV cell is text).
  http2ToOrigin: z
    .union([z.boolean(), z.enum(["true", "false"])], { error: "http2ToOrigin is true or false" })
    .optional(),
  headers: z.array(headerField, { error: "headers is a list" }).optional(),
});

export type TargetRecord = z.infer<typeof targetRecordSchema>;

/** The record's fields, in the record's own names (CSV headers match them, case and `_`/`-` aside). */
export const RECORD_FIELDS = Object.keys(targetRecordSchema.shape) as ReadonlyArray<keyof TargetRecord>;

/** Validates a parsed JSON value or CSV row; a string is the one-line reason it is not a target. */
export function toLineFields(value: unknown): LineFields | string {
  const parsed = targetRecordSchema.safeParse(value);
  if (!parsed.success) {
    return parsed.error.issues
      .map((issue) => `${issue.path.length === 0 ? "record" : issue.path.join(".")}: ${issue.message}`)
      .join("; ");
  }
  const record = parsed.data;
  const scheme = schemeOf(record);
  if (scheme instanceof Error) return scheme.message;
  return {
    hostname: record.hostname,
    ...(record.origin === undefined || record.origin === null ? {} : { origin: record.origin }),
    ...(record.port === undefined ? {} : { port: String(record.port) }),
    ...(scheme === undefined ? {} : { scheme }),
    ...(record.sslMode === undefined ? {} : { sslMode: record.sslMode }),
    ...(record.http2ToOrigin === undefined ? {} : { h2: String(record.http2ToOrigin) === "true" }),
    ...(record.path === undefined ? {} : { path: record.path }),
    ...(record.method === undefined ? {} : { method: record.method }),
    ...(record.headers === undefined
      ? {}
      : { headers: record.headers.map((h) => (typeof h === "string" ? h : `${h[0]}: ${h[1]}`)) }),
  };
}

function schemeOf(record: TargetRecord): string | undefined | Error {
  if (record.sslMode === undefined) return record.scheme;
  const implied = record.sslMode === "strict" || record.sslMode === "full" ? "https" : "http";
  if (record.scheme !== undefined && record.scheme !== implied) {
    return new Error(`sslMode ${record.sslMode} talks ${implied} to the origin, but scheme says ${record.scheme}`);
  }
  return implied;
}
