/**
 * Every report a test builds on is first checked against the published schema (`diag520
 * schema`): a test must never pass on a report the product could not legally print.
 */
import assert from "node:assert/strict";
import { z } from "zod";
import type { Diagnosis } from "../../src/diagnose.js";
import { reportSchema } from "../../src/report/schema.js";

export function assertValidReport(report: unknown, label = "the report"): void {
  const result = reportSchema.safeParse(report);
  assert.ok(
    result.success,
    `${label} does not match the report schema:\n${result.success ? "" : z.prettifyError(result.error)}`,
  );
}

/** `diagnosis`, once its report has passed the schema. */
export async function validated(diagnosis: Promise<Diagnosis>, label?: string): Promise<Diagnosis> {
  const done = await diagnosis;
  assertValidReport(done.report, label);
  return done;
}
