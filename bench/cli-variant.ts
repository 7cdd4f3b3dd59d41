/**
 * Which CLI `bin/diag520.js` will load, by the same test it makes (see its loadBundle): the
 * bundle when it is at least as new as dist/src/cli.js, with its V8 code cache when the cache's
 * stamp names this bundle and this Node. A bench of a stale build measures the slow path: say so.
 */
import { readFileSync, statSync } from "node:fs";

const BUNDLE = new URL("../bundle/cli.cjs", import.meta.url);
const SOURCE = new URL("../src/cli.js", import.meta.url);

export function cliVariant(): string {
  let stamp: Buffer;
  try {
    const bundle = statSync(BUNDLE);
    if (bundle.mtimeMs < statSync(SOURCE).mtimeMs)
      return "dist/src, unbundled (the bundle is older: run npm run build)";
    stamp = Buffer.from(`${bundle.size} ${bundle.mtimeMs} ${process.version} ${process.arch}\n`);
  } catch {
    return "dist/src, unbundled (no bundle: run npm run build)";
  }
  try {
    const cache = readFileSync(new URL("../bundle/cli.cjs.v8cache", import.meta.url));
    if (cache.subarray(0, stamp.length).equals(stamp)) return "bundle, with V8 code cache";
  } catch {}
  return "bundle, without a V8 code cache (none, or made for another build or Node)";
}
