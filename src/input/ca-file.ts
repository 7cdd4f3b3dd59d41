/**
 * Reads --ca-file: one or more PEM certificates to trust besides the public roots, as the
 * CDN's custom origin trust store would. A file that is not PEM certificates is a usage error,
 * found before any probe runs.
 */
import { X509Certificate } from "node:crypto";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { UsageError } from "../errors.js";

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Mozilla's whole root bundle is about 220 KB; a bigger "CA file" is a mistake (/dev/zero, a disk image). */
export const MAX_CA_FILE_BYTES = 8 * 1024 * 1024;

export function readCaFile(path: string): string[] {
  const fail = (why: string): never => {
    throw new UsageError(`invalid --ca-file '${path}': ${why}`);
  };
  if (path === "") fail("it is empty; give the path of a PEM file of CA certificates");
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (err) {
    fail(`cannot read it (${(err as NodeJS.ErrnoException).code ?? "unreadable"})`);
  }
  if (isDirectory) fail("it is a directory; give the path of a PEM file of CA certificates");
  const text = readCapped(path, fail);
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) fail("no PEM certificate (-----BEGIN CERTIFICATE-----) in it");
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch {
      fail("a PEM block in it is not a valid certificate");
    }
  }
  return blocks;
}

/** Reads at most MAX_CA_FILE_BYTES, so that a device or an endless pipe cannot fill memory. */
function readCapped(path: string, fail: (why: string) => never): string {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    return fail(`cannot read it (${(err as NodeJS.ErrnoException).code ?? "unreadable"})`);
  }
  try {
    const chunks: Buffer[] = [];
    const buffer = Buffer.alloc(64 * 1024);
    let total = 0;
    for (;;) {
      let read: number;
      try {
        read = readSync(fd, buffer, 0, buffer.length, null);
      } catch (err) {
        return fail(`cannot read it (${(err as NodeJS.ErrnoException).code ?? "unreadable"})`);
      }
      if (read === 0) break;
      total += read;
      if (total > MAX_CA_FILE_BYTES)
        fail(`it is larger than ${MAX_CA_FILE_BYTES} bytes; give a PEM file of CA certificates`);
      chunks.push(Buffer.from(buffer.subarray(0, read)));
    }
    return Buffer.concat(chunks).toString("utf8");
  } finally {
    closeSync(fd);
  }
}
