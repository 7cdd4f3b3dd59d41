/**
 * Which body an edge-generated error gets, from the visitor's Accept header, as
 * cloudflare-docs `fundamentals/reference/error-responses` (content negotiation) describes it:
 * JSON for `application/json` or `application/problem+json` (the content type mirrors the one
 * asked for), Markdown for `text/markdown` or `text/*`, HTML otherwise; the highest q wins,
 * and at equal q the first-listed type.
 */

export type ErrorFormat = "json" | "problem+json" | "markdown" | "html";

const FORMAT_OF_MEDIA_RANGE: Readonly<Record<string, ErrorFormat>> = {
  "application/json": "json",
  "application/problem+json": "problem+json",
  "text/markdown": "markdown",
  "text/*": "markdown",
  "text/html": "html",
  "*/*": "html",
};

/** RFC 9110 §12.5.1: `type/subtype;q=0.5, …`; a malformed q counts as 0 (not acceptable). */
function quality(parameters: readonly string[]): number {
  for (const parameter of parameters) {
    const [name = "", value = ""] = parameter.split("=").map((part) => part.trim());
    if (name.toLowerCase() !== "q") continue;
    const q = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(value) ? Number(value) : 0;
    return q;
  }
  return 1;
}

export function negotiateErrorFormat(accept: string | undefined): ErrorFormat {
  if (accept === undefined) return "html";
  let best: { format: ErrorFormat; q: number } | null = null;
  for (const entry of accept.split(",")) {
    const [range = "", ...parameters] = entry.split(";");
    const format = FORMAT_OF_MEDIA_RANGE[range.trim().toLowerCase()];
    const q = quality(parameters);
    // Strictly greater: at equal q the first-listed type keeps its place.
    if (format !== undefined && q > 0 && (best === null || q > best.q)) best = { format, q };
  }
  return best?.format ?? "html";
}
