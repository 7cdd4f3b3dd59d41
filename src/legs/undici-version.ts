/** undici's version, read once from its package.json: the strict client's name in evidence. */
import { createRequire } from "node:module";

let version: string | null = null;

export async function loadUndiciVersion(): Promise<string> {
  if (version !== null) return version;
  try {
    const require = createRequire(import.meta.url);
    version = (require("undici/package.json") as { version: string }).version;
  } catch {
    version = "";
  }
  return version;
}
