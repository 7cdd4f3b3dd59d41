import assert from "node:assert/strict";
import { test } from "node:test";
import { type ColorInputs, decideColorLevel } from "../../src/render/color-choice.js";

const ROWS: ReadonlyArray<readonly [string, ColorInputs, number]> = [
  ["TTY alone means colour", { flag: undefined, env: {}, isTTY: true }, 1],
  ["a pipe means none", { flag: undefined, env: {}, isTTY: false }, 0],
  ["TERM=dumb means none", { flag: undefined, env: { TERM: "dumb" }, isTTY: true }, 0],
  ["FORCE_COLOR beats no TTY", { flag: undefined, env: { FORCE_COLOR: "1" }, isTTY: false }, 1],
  ["FORCE_COLOR=0 beats a TTY", { flag: undefined, env: { FORCE_COLOR: "0" }, isTTY: true }, 0],
  ["NO_COLOR beats FORCE_COLOR", { flag: undefined, env: { NO_COLOR: "1", FORCE_COLOR: "3" }, isTTY: true }, 0],
  ["empty NO_COLOR is ignored", { flag: undefined, env: { NO_COLOR: "" }, isTTY: true }, 1],
  ["--no-color beats FORCE_COLOR", { flag: false, env: { FORCE_COLOR: "3" }, isTTY: true }, 0],
  ["--color beats NO_COLOR", { flag: true, env: { NO_COLOR: "1" }, isTTY: false }, 1],
  ["truecolor terminals get level 3", { flag: undefined, env: { COLORTERM: "truecolor" }, isTTY: true }, 3],
];

for (const [name, inputs, level] of ROWS) {
  test(`decideColorLevel: ${name}`, () => assert.equal(decideColorLevel(inputs), level));
}
