/**
 * The legs of a diagnosis, each one request over its own connection (DESIGN.md "The shape"):
 * `origin` is raw HTTP/1.1 straight to the origin, as the edge makes it; `edge` is the visitor's
 * request through the public hostname (the CDN's edge), made with undici.
 */
export const LEG_NAMES = ["origin", "edge"] as const;

export type LegName = (typeof LEG_NAMES)[number];
