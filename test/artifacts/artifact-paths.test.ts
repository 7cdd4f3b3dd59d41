import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { preflightArtifactPath, preflightArtifactPaths } from "../../src/artifacts/artifact-paths.js";
import { UsageError } from "../../src/errors.js";

const root = mkdtempSync(join(tmpdir(), "diag520-paths-"));
after(() => rmSync(root, { recursive: true, force: true }));
const aFile = join(root, "a-file");
writeFileSync(aFile, "x");

/** Asserts a UsageError whose one-line message names the flag and the path. */
function rejects(run: () => void, flag: string, path: string, reason: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof UsageError, String(error));
    assert.ok(!error.message.includes("\n"), "one line");
    assert.ok(error.message.includes(flag), error.message);
    assert.ok(error.message.includes(path), error.message);
    assert.match(error.message, reason);
    return true;
  });
}

const REJECTED: { name: string; path: string; reason: RegExp }[] = [
  { name: "a missing directory", path: join(root, "missing", "out.har"), reason: /does not exist/ },
  // Root ignores permission bits: a parent that is a regular file is the portable unwritable case.
  { name: "a parent that is a regular file", path: join(aFile, "out.har"), reason: /is not a directory/ },
  { name: "an existing directory", path: root, reason: /is a directory/ },
  { name: "an empty path", path: "", reason: /empty/ },
];

for (const { name, path, reason } of REJECTED) {
  test(`rejects ${name}`, () => rejects(() => preflightArtifactPath(path, "--har"), "--har", path, reason));
}

test("accepts a new file in an existing directory, an existing file, and -", () => {
  preflightArtifactPath(join(root, "new.har"), "--har");
  preflightArtifactPath(aFile, "--report");
  preflightArtifactPath("-", "--har");
});

test("at most one artefact may be -", () => {
  preflightArtifactPaths([
    { flag: "--har", path: "-" },
    { flag: "--report", path: join(root, "r.md") },
  ]);
  assert.throws(
    () =>
      preflightArtifactPaths([
        { flag: "--har", path: "-" },
        { flag: "--report", path: "-" },
      ]),
    (error: unknown) => error instanceof UsageError && /--har and --report both write to stdout/.test(error.message),
  );
});

test("two artefacts may not share one file", () => {
  assert.throws(
    () =>
      preflightArtifactPaths([
        { flag: "--har", path: join(root, "same") },
        { flag: "--report", path: join(root, ".", "same") },
      ]),
    (error: unknown) => error instanceof UsageError && /--har and --report both write to/.test(error.message),
  );
});

test("the list check also checks each path", () => {
  const path = join(root, "missing", "x.md");
  rejects(() => preflightArtifactPaths([{ flag: "--report", path }]), "--report", path, /does not exist/);
});
