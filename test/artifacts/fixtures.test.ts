import assert from "node:assert/strict";
import { test } from "node:test";
import { reportSchema } from "../../src/report/schema.js";
import { ALL_OUTCOMES } from "./report-fixtures.js";

// The artefact tests build on hand-made reports: they must keep the contract's shape.
for (const [name, make] of Object.entries(ALL_OUTCOMES)) {
  test(`the ${name} fixture is a valid report`, () => {
    const result = reportSchema.safeParse(make().report);
    assert.ok(result.success, result.error?.message);
  });
}
