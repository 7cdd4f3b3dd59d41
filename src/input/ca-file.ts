/**
 * Reads --ca-file: one or more PEM certificates to trust besides the public roots, as the
 * CDN's custom origin trust store would. A file that is not PEM certificates is a usage error,
 * found before any probe runs.
 */
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { UsageError } from "../errors.js";

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function readCaFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
    throw new UsageError(`invalid --ca-file '${path}': cannot read it (${code})`);
  }
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new UsageError(`invalid --ca-file '${path}': no PEM certificate (-----BEGIN CERTIFICATE-----) in it`);
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch {
      throw new UsageError(`invalid --ca-file '${path}': a PEM block in it is not a valid certificate`);
    }
  }
  return blocks;
}
