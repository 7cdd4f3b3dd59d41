/** Every phase of a v2 report in the order it ran: the resolution step, then the origin leg's phases. */
import type { LegPhaseResult, Report, Resolution } from "../../src/report/schema.js";

export function phasesOf(report: Pick<Report, "resolution" | "legs">): Array<Resolution | LegPhaseResult> {
  return [report.resolution, ...(report.legs.origin?.phases ?? [])];
}

export function phaseOf<N extends LegPhaseResult["name"]>(
  report: Pick<Report, "legs">,
  name: N,
): Extract<LegPhaseResult, { name: N }> | undefined {
  return report.legs.origin?.phases.find((phase) => phase.name === name) as
    | Extract<LegPhaseResult, { name: N }>
    | undefined;
}
