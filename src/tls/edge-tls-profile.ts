/**
 * What the CDN's edge offers an origin in its ClientHello, as data (cloudflare-docs
 * `ssl/origin-configuration/cipher-suites`, in the order listed there,
 * which is the edge's preference order). diag520 offers the same, so an origin that the edge
 * cannot talk to fails here too, and one that it can talk to does not fail for diag520's sake.
 */
import type { SecureVersion } from "node:tls";

export const EDGE_MIN_VERSION: SecureVersion = "TLSv1";
export const EDGE_MAX_VERSION: SecureVersion = "TLSv1.3";

/** TLS 1.3 suites (RFC 8446 names), in the edge's order. */
export const EDGE_TLS13_CIPHERSUITES = [
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
] as const;

/**
 * TLS 1.0–1.2 suites (OpenSSL names), in the edge's order. Note that the only suites usable
 * under TLS 1.0/1.1 (the *-SHA ones and DES-CBC3-SHA) all need an RSA certificate: a TLS 1.0-only
 * origin with an ECDSA certificate shares no cipher with the edge.
 */
export const EDGE_TLS12_CIPHERS = [
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-SHA",
  "AES128-GCM-SHA256",
  "AES128-SHA",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-SHA384",
  "AES256-SHA",
  "DES-CBC3-SHA",
] as const;

/**
 * The `ciphers` string for node:tls, which routes the TLS_* names to TLS 1.3 and the rest to
 * TLS ≤ 1.2. `@SECLEVEL=0`: OpenSSL 3 refuses TLS 1.0/1.1 (and SHA-1 handshake signatures) at
 * its default security level 1; the edge still offers TLS 1.0, so diag520 must be able to
 * negotiate it in order to report it as a warning rather than a handshake failure.
 */
export const EDGE_CIPHER_STRING = [...EDGE_TLS13_CIPHERSUITES, ...EDGE_TLS12_CIPHERS, "@SECLEVEL=0"].join(":");

/**
 * ALPN as the edge offers it to origins: `h2` first, then `http/1.1` (Pingora's order,
 * cloudflare/pingora `pingora-core/src/protocols/tls/mod.rs`, `ALPN::H2H1`). The `origin-h2` leg offers exactly this and records what the
 * origin selected; with "HTTP/2 to Origin" off (`--no-h2`) the edge offers only `http/1.1`.
 */
export const EDGE_ALPN_PROTOCOLS = ["h2", "http/1.1"] as const;

/**
 * What the raw HTTP/1.1 leg offers: it speaks HTTP/1.1 on the socket after the handshake, so it
 * must not let the origin select h2 (as the edge does when HTTP/2 to Origin is off, or when it
 * falls back to HTTP/1.1 after an h2 failure).
 */
export const HTTP1_ALPN_PROTOCOLS = ["http/1.1"] as const;

/** Protocols the edge accepts but that are deprecated (RFC 8996): a warning, not a failure. */
export const LEGACY_PROTOCOLS: ReadonlySet<string> = new Set(["TLSv1", "TLSv1.1"]);
