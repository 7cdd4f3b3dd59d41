/**
 * Every published limit on the size of a response header block (Cloudflare's docs over the years,
 * nginx, HAProxy, Node.js, Envoy, Pingora; each row names its source). A measurement is reported against all the limits it crosses rather than
 * against one number asserted as the truth, since the figures changed over time.
 * "KB" in the sources is read as 1024 bytes, the reading that crosses a limit first.
 */
export interface PublishedHeaderLimit {
  /** How the report names the limit, e.g. "HAProxy tune.bufsize 16 KB". */
  readonly label: string;
  /** The block (or the field, for "field" limits) fails once it is larger than this. */
  readonly bytes: number;
  /** "block": the whole header block; "field": one header field line. */
  readonly scope: "block" | "field";
}

const KIB = 1024;

/** Cloudflare's limit as currently published (cloudflare-docs PR #25872, Oct 2025). */
export const CLOUDFLARE_CURRENT_HEADER_LIMIT = 128 * KIB;

export const PUBLISHED_HEADER_LIMITS: readonly PublishedHeaderLimit[] = [
  // One memory page: 4 KB on x86-64, 8 KB elsewhere; over it nginx logs "upstream sent too big header".
  { label: "nginx proxy_buffer_size 4 KB/8 KB", bytes: 4 * KIB, scope: "block" },
  { label: "Cloudflare 8 KB (older 520 help-centre article)", bytes: 8 * KIB, scope: "block" },
  { label: "HAProxy tune.bufsize 16 KB", bytes: 16 * KIB, scope: "block" },
  { label: "Node.js --max-http-header-size 16 KB", bytes: 16 * KIB, scope: "block" },
  { label: "Cloudflare 16 KB (5xx docs 2021–2025)", bytes: 16 * KIB, scope: "block" },
  { label: "Cloudflare 16 KB per header", bytes: 16 * KIB, scope: "field" },
  { label: "Cloudflare 32 KB total (2024–2025)", bytes: 32 * KIB, scope: "block" },
  { label: "Envoy 60 KiB (max_response_headers_kb)", bytes: 60 * KIB, scope: "block" },
  { label: "Cloudflare 128 KB (since Oct 2025)", bytes: CLOUDFLARE_CURRENT_HEADER_LIMIT, scope: "block" },
  // pingora-core v1/common.rs: MAX_HEADER_SIZE = 1048575, checked as `already_read > MAX_HEADER_SIZE`.
  { label: "Pingora 1 MiB", bytes: 1_048_575, scope: "block" },
];

/** The labels of every published limit that a header block of this size crosses. */
export function headerLimitsCrossed(blockBytes: number, largestFieldBytes: number): string[] {
  return PUBLISHED_HEADER_LIMITS.filter((limit) =>
    limit.scope === "block" ? blockBytes > limit.bytes : largestFieldBytes > limit.bytes,
  ).map((limit) => limit.label);
}

/**
 * How many header bytes the reader keeps before it stops: twice the configured limit, and
 * never less than Pingora's 1 MiB + 1, so that every published limit can still be measured
 * while a 10 MB header line or an endless header block costs bounded memory.
 */
export function headerReadCap(maxHeaderSize: number): number {
  return Math.max(2 * maxHeaderSize, 1_048_576 + 1);
}
