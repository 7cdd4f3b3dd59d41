/**
 * A cache that ignores the query string: the first successful GET answer for a host and path
 * is kept, and later requests for the same path, whatever their query, get it back without the
 * origin being contacted: a cache key that ignores the query string (cloudflare-docs
 * `cache/how-to/cache-keys`). It stages the trap for a diagnosis: an answer with
 * `cf-cache-status: HIT` proves nothing about the origin, and a cache-busting query does not
 * help here. Bodies over 1 MiB, and paths past the 256th, are served but not kept: memory stays
 * bounded.
 */
import { type Readable, Transform } from "node:stream";
import type { HeaderList } from "./edge-answer.js";

export const MAX_CACHED_BODY_BYTES = 1024 * 1024;
/** Paths kept at most: past that, answers are served but no longer kept. */
export const MAX_CACHED_ANSWERS = 256;

export interface CachedAnswer {
  readonly status: number;
  readonly reason: string;
  readonly fields: HeaderList;
  readonly body: Buffer;
  readonly storedAt: number;
}

export function cacheKey(host: string, target: string): string {
  const query = target.indexOf("?");
  return `${host}${query === -1 ? target : target.slice(0, query)}`;
}

export class EdgeCache {
  private readonly answers = new Map<string, CachedAnswer>();

  get(key: string): CachedAnswer | undefined {
    return this.answers.get(key);
  }

  /** Keeps `answer` unless an earlier one is already there (the first one wins). */
  store(key: string, answer: CachedAnswer): void {
    if (this.answers.has(key) || this.answers.size >= MAX_CACHED_ANSWERS) return;
    if (answer.body.length <= MAX_CACHED_BODY_BYTES) this.answers.set(key, answer);
  }
}

/** Passes `body` through while keeping a copy; `copy()` is null until it ended, or when over the cap. */
export function teeForCache(body: Readable): { readonly stream: Readable; readonly copy: () => Buffer | null } {
  const chunks: Buffer[] = [];
  let total = 0;
  let complete = false;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      if (total <= MAX_CACHED_BODY_BYTES) chunks.push(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      complete = true;
      callback();
    },
  });
  body.on("error", (error: Error) => stream.destroy(error));
  body.pipe(stream);
  return { stream, copy: () => (complete && total <= MAX_CACHED_BODY_BYTES ? Buffer.concat(chunks) : null) };
}
