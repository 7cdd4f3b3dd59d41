/**
 * `engines` says what is supported (issue 4, point 6): Node 20 from the release that every
 * runtime dependency needs (undici 7 asks for 20.18.1), and CI runs the suite on 20, 22 and 24.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { repoRoot } from "../support/paths.js";

interface PackageJson {
  readonly engines?: { readonly node?: string };
  readonly dependencies?: Readonly<Record<string, string>>;
}

type Version = readonly [number, number, number];

function readPackage(path: string): PackageJson {
  return JSON.parse(readFileSync(path, "utf8")) as PackageJson;
}

/** The lowest version a range admits, for the shapes packages use: ">=20.18.1", ">=20", "^12.17.0 || >=16". */
function lowestAdmitted(range: string): Version {
  const lowest = range
    .split("||")
    .map((part) => /(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(part))
    .filter((match) => match !== null)
    .map((match): Version => [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)])
    .sort(compare)[0];
  assert.ok(lowest, `a version in '${range}'`);
  return lowest;
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

const ownPackage = readPackage(join(repoRoot, "package.json"));
const declared = ownPackage.engines?.node ?? "";

test("engines.node is a plain lower bound on Node 20", () => {
  assert.match(declared, /^>=20\.\d+\.\d+$/);
});

test("engines.node is no lower than what any runtime dependency needs", () => {
  for (const name of Object.keys(ownPackage.dependencies ?? {})) {
    const needs = readPackage(join(repoRoot, "node_modules", name, "package.json")).engines?.node;
    if (needs === undefined) continue;
    assert.ok(
      compare(lowestAdmitted(declared), lowestAdmitted(needs)) >= 0,
      `${name} needs Node ${needs}; engines says ${declared}`,
    );
  }
});

test("the Node running this suite is one that engines admits", () => {
  const running = process.versions.node.split(".").map(Number) as unknown as Version;
  assert.ok(compare(running, lowestAdmitted(declared)) >= 0, `Node ${process.versions.node} vs ${declared}`);
});
