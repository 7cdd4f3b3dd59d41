/**
 * Writing to the visitor: an answer the edge made, or the origin's response streamed through,
 * each with `Server-Timing: cfEdge;dur=N, cfOrigin;dur=M` (seen on Cloudflare's responses in
 * 2025–26; no reference page documents it: `cfOrigin` is the edge's measure of the origin's
 * time, 0 when the origin was not contacted).
 */
import { type ServerResponse, STATUS_CODES, validateHeaderName, validateHeaderValue } from "node:http";
import { pipeline, type Readable } from "node:stream";
import type { EdgeAnswer, HeaderList } from "./edge-answer.js";
import type { CachedAnswer } from "./edge-cache.js";

export function serverTiming(edgeMs: number, originMs: number): string {
  return `cfEdge;dur=${Math.max(0, Math.round(edgeMs))}, cfOrigin;dur=${Math.max(0, Math.round(originMs))}`;
}

/** Node's server refuses some bytes that an origin may send; the edge checks before it commits. */
export function writableFields(fields: HeaderList): boolean {
  try {
    for (const [name, value] of fields) {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    }
    return true;
  } catch {
    return false;
  }
}

/** The reason phrase is optional (RFC 9112 §4): none for the 52x that node does not name. */
function reasonFor(status: number): string {
  return STATUS_CODES[status] ?? "";
}

export function sendAnswer(res: ServerResponse, answer: EdgeAnswer, timing: string): void {
  const fields = [...answer.headers, ["server-timing", timing] as const];
  res.writeHead(answer.status, reasonFor(answer.status), fields.flat());
  res.end(answer.body);
}

/** Streams `body`; a body that fails after the head went out cuts the visitor's connection. */
export function sendStream(
  res: ServerResponse,
  status: number,
  reason: string,
  fields: HeaderList,
  body: Readable,
): Promise<void> {
  res.writeHead(status, reason, fields.flat());
  return new Promise((resolve) => {
    pipeline(body, res, (error) => {
      if (error) res.destroy();
      resolve();
    });
  });
}

/** What the edge adds to every response it passes on (cloudflare-docs `fundamentals/reference/http-headers`). */
export function edgeFields(rayHeader: string, cacheStatus: string): HeaderList {
  return [
    ["server", "cloudflare"],
    ["cf-ray", rayHeader],
    ["cf-cache-status", cacheStatus],
  ];
}

/** A cached answer: HIT, its age, and no origin time at all. */
export function sendCached(res: ServerResponse, cached: CachedAnswer, rayHeader: string, edgeMs: number): void {
  const age = Math.floor((Date.now() - cached.storedAt) / 1000);
  const fields: HeaderList = [
    ...cached.fields,
    ...edgeFields(rayHeader, "HIT"),
    ["age", String(age)],
    ["server-timing", serverTiming(edgeMs, 0)],
  ];
  res.writeHead(cached.status, cached.reason, fields.flat());
  res.end(cached.body);
}
