/**
 * Ranks the causes the evidence supports, best first, and in order of the likelihood shown: each
 * cause takes the highest likelihood its findings give it (cause-table.ts), one level lower when
 * only warnings support it; ties go to a cause backed by an error, then to the most specific (its
 * place in a finding's list), then to the one more findings point to.
 */
import type { Finding } from "../findings/catalogue.js";
import type { RankedCause } from "../report/schema.js";
import { CAUSES, CAUSES_BY_FINDING, type CauseId, type CauseSupport, type Likelihood } from "./cause-table.js";

/** Likelihoods as numbers, to compare and order them. */
export const LIKELIHOOD_WEIGHT: Record<Likelihood, number> = { high: 3, medium: 2, low: 1 };
const BY_WEIGHT: Record<number, Likelihood> = { 3: "high", 2: "medium", 1: "low" };

interface Support {
  readonly codes: Set<string>;
  hasError: boolean;
  errorWeight: number;
  warningWeight: number;
  bestPosition: number;
}

export function rankCauses(findings: readonly Finding[]): RankedCause[] {
  const support = new Map<CauseId, Support>();
  for (const f of findings) {
    if (f.severity === "info") continue;
    const causes: CauseSupport = CAUSES_BY_FINDING[f.code];
    causes.forEach(([id, likelihood], position) => {
      const entry = support.get(id) ?? {
        codes: new Set<string>(),
        hasError: false,
        errorWeight: 0,
        warningWeight: 0,
        bestPosition: position,
      };
      entry.codes.add(f.code);
      if (f.severity === "error") {
        entry.hasError = true;
        entry.errorWeight = Math.max(entry.errorWeight, LIKELIHOOD_WEIGHT[likelihood]);
      } else {
        entry.warningWeight = Math.max(entry.warningWeight, LIKELIHOOD_WEIGHT[likelihood]);
      }
      entry.bestPosition = Math.min(entry.bestPosition, position);
      support.set(id, entry);
    });
  }
  const weight = (s: Support) => Math.max(s.errorWeight, s.warningWeight - 1, 1);
  const ranked = [...support.entries()].sort(
    ([, a], [, b]) =>
      weight(b) - weight(a) ||
      Number(b.hasError) - Number(a.hasError) ||
      a.bestPosition - b.bestPosition ||
      b.codes.size - a.codes.size,
  );
  return ranked.map(([id, s], index) => ({
    id,
    rank: index + 1,
    title: CAUSES[id].title,
    likelihood: BY_WEIGHT[weight(s)] ?? "low",
    supportedBy: [...s.codes],
    fixes: CAUSES[id].fixes.map((fix) => ({ action: fix.action, effort: fix.effort })),
  }));
}
