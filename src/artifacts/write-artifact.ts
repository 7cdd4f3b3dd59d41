/**
 * How an artefact reaches its path: a regular file is written whole or not at all (temporary file,
 * then rename); a pipe or a device (/dev/fd/3, a FIFO, /dev/stdout) cannot be renamed over, so it is
 * written straight to; and a file that others append to ($GITHUB_STEP_SUMMARY, shared by every
 * step of a job) is appended to, never replaced.
 */
import { appendFile, stat, writeFile } from "node:fs/promises";
import { writeFileAtomically } from "./write-atomically.js";

export async function writeArtifact(path: string, text: string, append: boolean): Promise<void> {
  if (append) {
    await appendFile(path, text);
    return;
  }
  const existing = await stat(path).catch(() => null);
  if (existing !== null && !existing.isFile()) {
    await writeFile(path, text);
    return;
  }
  await writeFileAtomically(path, text);
}
