/**
 * Checks artefact paths (--har, --report, …) before any probe runs, so that a run of a minute
 * against a slow origin does not end in "cannot write" (the issue: a usage error, exit 2, one
 * line). `-` means stdout, for at most one artefact: two documents on one stream cannot be
 * told apart.
 */
import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UsageError } from "../errors.js";

export const STDOUT_PATH = "-";

export interface ArtifactPath {
  /** The option that named the path, e.g. "--har": every message names it. */
  readonly flag: string;
  readonly path: string;
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/** Throws a UsageError when `path` cannot be written as a whole file. */
export function preflightArtifactPath(path: string, flag: string): void {
  if (path === STDOUT_PATH) return;
  if (path === "") throw new UsageError(`${flag}: the path is empty`);
  const target = resolve(path);
  try {
    const stats = statSync(target);
    if (stats.isDirectory()) throw new UsageError(`${flag} ${path}: is a directory, not a file`);
    if (!stats.isFile()) {
      // A pipe or a device (/dev/stdout, /dev/fd/3, a FIFO) is written to as it is: it must be writable itself.
      try {
        accessSync(target, constants.W_OK);
      } catch {
        throw new UsageError(`${flag} ${path}: is not writable`);
      }
      return;
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // ENOENT is the normal case (a new file); anything else is decided by the directory below.
  }
  const directory = dirname(target);
  try {
    if (!statSync(directory).isDirectory()) throw new UsageError(`${flag} ${path}: ${directory} is not a directory`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = errorCode(error);
    if (code === "ENOENT") throw new UsageError(`${flag} ${path}: directory ${directory} does not exist`);
    if (code === "ENOTDIR") throw new UsageError(`${flag} ${path}: ${directory} is not a directory`);
    throw new UsageError(`${flag} ${path}: cannot use directory ${directory} (${code ?? String(error)})`);
  }
  try {
    // The file is written as a temporary file in this directory, then renamed: the directory must be writable.
    accessSync(directory, constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${path}: directory ${directory} is not writable`);
  }
}

/** Checks every artefact path, and that `-` and each file are used at most once. */
export function preflightArtifactPaths(artifacts: readonly ArtifactPath[]): void {
  const toStdout = artifacts.filter((artifact) => artifact.path === STDOUT_PATH);
  if (toStdout.length > 1) {
    const flags = toStdout.map((artifact) => artifact.flag).join(" and ");
    throw new UsageError(`${flags} both write to stdout (-): at most one artefact may be -`);
  }
  const seen = new Map<string, string>();
  for (const { flag, path } of artifacts) {
    preflightArtifactPath(path, flag);
    if (path === STDOUT_PATH) continue;
    const earlier = seen.get(resolve(path));
    if (earlier !== undefined)
      throw new UsageError(`${earlier} and ${flag} both write to ${path}: give each its own file`);
    seen.set(resolve(path), flag);
  }
}
