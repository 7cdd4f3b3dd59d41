/**
 * Ranks the causes that the evidence supports, best first: a cause backed by an error outranks
 * one backed only by warnings; then how specifically the findings point to it (its place in a
 * finding's list, most specific first); then the seeds' likelihood; then how many findings do.
 */
import type { Finding } from "../findings/catalogue.js";
import type { RankedCause } from "../report/schema.js";
import { CAUSES, CAUSES_BY_FINDING, type CauseId, type Likelihood } from "./cause-table.js";

const LIKELIHOOD_WEIGHT: Record<Likelihood, number> = { high: 3, medium: 2, low: 1 };

interface Support {
  readonly codes: Set<string>;
  hasError: boolean;
  bestPosition: number;
}

export function rankCauses(findings: readonly Finding[]): RankedCause[] {
  const support = new Map<CauseId, Support>();
  for (const f of findings) {
    if (f.severity === "info") continue;
    CAUSES_BY_FINDING[f.code].forEach((id: CauseId, position: number) => {
      const entry = support.get(id) ?? { codes: new Set<string>(), hasError: false, bestPosition: position };
      entry.codes.add(f.code);
      entry.hasError ||= f.severity === "error";
      entry.bestPosition = Math.min(entry.bestPosition, position);
      support.set(id, entry);
    });
  }
  const ranked = [...support.entries()].sort(([a, sa], [b, sb]) => {
    return (
      Number(sb.hasError) - Number(sa.hasError) ||
      sa.bestPosition - sb.bestPosition ||
      LIKELIHOOD_WEIGHT[CAUSES[b].likelihood] - LIKELIHOOD_WEIGHT[CAUSES[a].likelihood] ||
      sb.codes.size - sa.codes.size
    );
  });
  return ranked.map(([id, s], index) => ({
    id,
    rank: index + 1,
    title: CAUSES[id].title,
    likelihood: CAUSES[id].likelihood,
    supportedBy: [...s.codes],
    fixes: CAUSES[id].fixes.map((fix) => ({ action: fix.action, effort: fix.effort })),
  }));
}
