/**
 * The legs of a diagnosis, each one request over its own connection (DESIGN.md "The shape"):
 * `origin` is raw HTTP/1.1 straight to the origin, as the edge makes it over HTTP/1.1;
 * `origin-h2` offers ALPN `h2, http/1.1` as the edge does and, when the origin selects h2, makes
 * the same request over HTTP/2; `edge` is the visitor's request through the public hostname (the
 * CDN's edge), made with undici.
 */
export const LEG_NAMES = ["origin", "origin-h2", "edge"] as const;

export type LegName = (typeof LEG_NAMES)[number];
