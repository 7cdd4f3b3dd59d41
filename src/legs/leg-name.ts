/**
 * The legs of a diagnosis, each one request over its own connection (DESIGN.md "The shape"):
 * `origin` is raw HTTP/1.1 straight to the origin, as the edge makes it.
 */
export const LEG_NAMES = ["origin"] as const;

export type LegName = (typeof LEG_NAMES)[number];
