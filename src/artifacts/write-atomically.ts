/**
 * Writes a file whole or not at all: a temporary file in the same directory (rename is atomic
 * only within one file system, POSIX rename(2)), flushed to disk, then renamed over the target.
 * A reader never sees half a HAR file, and a failed run leaves the previous file in place.
 */
import { randomBytes } from "node:crypto";
import { open, realpath, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** The file a symbolic link points to, so that writing replaces the file and keeps the link. */
async function finalTarget(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return path;
  }
}

export async function writeFileAtomically(path: string, data: string | Uint8Array): Promise<void> {
  const target = await finalTarget(path);
  const directory = dirname(target);
  const temporary = join(directory, `.${basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  // Keep the mode of a file being replaced; a new file gets the usual 0o666 less umask.
  const mode = await stat(target).then(
    (stats) => stats.mode & 0o7777,
    () => 0o666,
  );
  try {
    const handle = await open(temporary, "wx", mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(directory);
}

/** Makes the rename itself durable; some platforms cannot open a directory, which is fine. */
async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}
