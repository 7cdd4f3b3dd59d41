/**
 * The request's fields as HTTP/2 sends them (RFC 9113 §8.3.1), apart from the exchange so that a
 * report can name them without loading the HTTP/2 machinery.
 */

/** HTTP/2 has no connection-specific fields (§8.2.2); Host is carried as :authority (§8.3.1). */
const DROPPED_REQUEST_FIELDS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "host",
]);

export interface H2RequestParts {
  /** `:authority`: host, or host:port. */
  readonly authority: string;
  readonly method: string;
  readonly path: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

/**
 * In order: the pseudo-header fields, then the caller's fields in lower case, without the
 * connection-specific ones and Host (§8.2.2); TE only as "trailers".
 */
export function h2RequestFields(options: H2RequestParts): Array<[string, string]> {
  const fields: Array<[string, string]> = [
    [":method", options.method],
    [":scheme", "https"],
    [":authority", options.authority],
    [":path", options.path],
  ];
  for (const [name, value] of options.headers) {
    const lower = name.toLowerCase();
    if (DROPPED_REQUEST_FIELDS.has(lower) || lower.startsWith(":")) continue;
    if (lower === "te" && value.trim().toLowerCase() !== "trailers") continue;
    fields.push([lower, value]);
  }
  return fields;
}
