/**
 * The programmatic entry point: `diagnose(request, options)` runs the pipeline and assembles the
 * report. It never throws for anything the origin does; it throws only for its own bugs.
 */

import { reproduceCommand } from "./artifacts/reproduce-command.js";
import { notCheckedFromHere } from "./causes/not-checked.js";
import { rankCauses } from "./causes/rank-causes.js";
import type { DiagnoseOptions, DiagnoseRequest } from "./options.js";
import { runPipeline } from "./pipeline.js";
import { exitCodeFor } from "./report/exit-code.js";
import type { Report } from "./report/schema.js";
import { SCHEMA_VERSION } from "./report/schema-version.js";
import { decideVerdict } from "./report/verdict.js";
import { roundMs } from "./text/round-ms.js";
import { VERSION } from "./version.js";

export interface Diagnosis {
  readonly report: Report;
  /** The response body as read (at most --max-body bytes), for the HAR file; not in the report. */
  readonly responseBody: Buffer | null;
}

export async function diagnose(request: DiagnoseRequest, options: DiagnoseOptions): Promise<Diagnosis> {
  const startedAt = new Date();
  const started = performance.now();
  const run = await runPipeline(request, options);
  const verdict = decideVerdict(run.findings, run.phases, run.interruption);
  const address = run.state.facts.dns?.address ?? null;
  const report: Report = {
    kind: "report",
    schemaVersion: SCHEMA_VERSION,
    tool: { name: "diag520", version: VERSION },
    target: {
      hostname: request.hostname,
      displayHostname: request.displayHostname,
      origin: request.origin,
      scheme: request.scheme,
      port: request.port,
      path: request.path,
      method: request.method,
    },
    startedAt: startedAt.toISOString(),
    durationMs: roundMs(performance.now() - started),
    complete: run.interruption === null,
    interruption: run.interruption,
    phases: [...run.phases],
    findings: [...run.findings],
    causes: rankCauses(run.findings),
    notChecked: notCheckedFromHere(request, address),
    verdict,
    reproduce: { curl: reproduceCommand(request, address) },
    redacted: [],
    exitCode: exitCodeFor(!verdict.ok, options.signal?.aborted === true),
  };
  return { report, responseBody: run.state.responseBody };
}
