/**
 * Real diagnoses for the CI renderers' tests, made in-process: healthy, refused and oversized
 * origins of the lab, and a hostile scripted origin whose head carries a workflow command after a
 * bare LF (`X-Evil: a\n::set-env name=X::Y`), terminal escapes, NUL, and the characters each
 * output format must escape (`"` `<` `&` `]]>` `%` `,` `:`). Each report passes the schema first.
 */
import type { Diagnosis } from "../../src/diagnose.js";
import { type BatchEntry, targetEntry } from "../../src/fleet/batch-entry.js";
import { startLab } from "../../src/lab/lab.js";
import { diagnoseLabOrigin } from "../support/lab-diagnosis.js";
import { diagnoseScripted, startScriptedOrigin } from "../support/scripted-origin.js";
import { validated } from "../support/valid-report.js";

/** What a CI runner would execute, were it to start a line. */
export const WORKFLOW_COMMAND = "::set-env name=X::Y";

export const HOSTILE_HEAD =
  "HTTP/1.1 200 OK\r\n" +
  `X-Evil: a\n${WORKFLOW_COMMAND}\r\n` +
  'X-Markup: <b>"quoted"</b> & ]]> 100% a,b:c \x1b[2J\x07\x00\x85\r\n' +
  "Content-Length: 2\r\n\r\nok";

export interface FleetFixtures {
  readonly healthy: Diagnosis;
  readonly refused: Diagnosis;
  readonly headersTooLarge: Diagnosis;
  readonly hostile: Diagnosis;
}

let fixtures: Promise<FleetFixtures> | undefined;

/** Made once per test process. */
export function fleetFixtures(): Promise<FleetFixtures> {
  fixtures ??= makeFixtures();
  return fixtures;
}

async function makeFixtures(): Promise<FleetFixtures> {
  const lab = await startLab({ only: ["healthy-https", "connection-refused", "headers-too-large"] });
  const hostileOrigin = await startScriptedOrigin(() => ({ bytes: HOSTILE_HEAD }));
  try {
    return {
      healthy: await validated(diagnoseLabOrigin(lab, "healthy-https"), "healthy-https"),
      refused: await validated(diagnoseLabOrigin(lab, "connection-refused"), "connection-refused"),
      headersTooLarge: await validated(diagnoseLabOrigin(lab, "headers-too-large"), "headers-too-large"),
      hostile: await validated(diagnoseScripted(hostileOrigin), "hostile"),
    };
  } finally {
    await Promise.all([lab.close(), hostileOrigin.close()]);
  }
}

/** A batch with every kind of line: pass, fail, a hostile fail, a duplicate, a bad line, not started. */
export async function mixedEntries(): Promise<BatchEntry[]> {
  const f = await fleetFixtures();
  return [
    targetEntry(f.healthy.report, 2),
    targetEntry(f.refused.report, 3),
    targetEntry(f.hostile.report, 4),
    // The same target again, as the input may list it: a distinct test case, the same series.
    targetEntry(f.healthy.report, 5),
    { kind: "error", line: 6, message: "invalid hostname 'bad\\x1b[2J': it contains whitespace or control characters" },
    targetEntry(f.headersTooLarge.report, 7),
    {
      kind: "not_started",
      line: 8,
      target: { ...f.healthy.report.target, address: null },
      interruption: { kind: "cancelled", ms: null },
    },
  ];
}
