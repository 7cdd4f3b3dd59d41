/** Cloudflare's own limit on a header block, request and response (cloudflare-docs PR #25872): 128 KB. */
export const EDGE_MAX_HEADER_SIZE = 128 * 1024;
