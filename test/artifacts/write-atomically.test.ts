import assert from "node:assert/strict";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { writeFileAtomically } from "../../src/artifacts/write-atomically.js";

const root = mkdtempSync(join(tmpdir(), "diag520-write-"));
after(() => rmSync(root, { recursive: true, force: true }));

function freshDirectory(name: string): string {
  const directory = join(root, name);
  mkdirSync(directory);
  return directory;
}

test("writes a new file and leaves no temporary file", async () => {
  const directory = freshDirectory("new");
  const target = join(directory, "out.har");
  await writeFileAtomically(target, '{"log":{}}');
  assert.equal(readFileSync(target, "utf8"), '{"log":{}}');
  assert.deepEqual(readdirSync(directory), ["out.har"]);
});

test("replaces an existing file whole, keeping its mode", async () => {
  const directory = freshDirectory("replace");
  const target = join(directory, "report.md");
  writeFileSync(target, "old content that is longer than the new one");
  chmodSync(target, 0o640);
  await writeFileAtomically(target, Buffer.from("new"));
  assert.equal(readFileSync(target, "utf8"), "new");
  assert.equal(statSync(target).mode & 0o777, 0o640);
  assert.deepEqual(readdirSync(directory), ["report.md"]);
});

test("writes through a symbolic link to the file it names", async () => {
  const directory = freshDirectory("link");
  const real = join(directory, "real.md");
  writeFileSync(real, "old");
  symlinkSync(real, join(directory, "link.md"));
  await writeFileAtomically(join(directory, "link.md"), "new");
  assert.equal(readFileSync(real, "utf8"), "new");
  assert.deepEqual(readdirSync(directory).sort(), ["link.md", "real.md"]);
});

test("a failed write leaves the target as it was and removes the temporary file", async () => {
  const directory = freshDirectory("fail");
  const target = join(directory, "taken");
  mkdirSync(target); // renaming a file over a non-empty directory fails
  writeFileSync(join(target, "inside"), "keep");
  await assert.rejects(writeFileAtomically(target, "data"));
  assert.deepEqual(readdirSync(directory), ["taken"]);
  assert.equal(readFileSync(join(target, "inside"), "utf8"), "keep");
});

test("concurrent writes to one target leave one whole version", async () => {
  const directory = freshDirectory("race");
  const target = join(directory, "out");
  const versions = Array.from({ length: 8 }, (_, i) => String(i).repeat(100_000));
  await Promise.all(versions.map((data) => writeFileAtomically(target, data)));
  assert.ok(versions.includes(readFileSync(target, "utf8")));
  assert.deepEqual(readdirSync(directory), ["out"]);
});
