/**
 * Causes ranked by what the series shows. A pattern (bursts, a rotation, one bad address, slowing
 * down, a decline) is evidence of its own: the causes it points to take the likelihood its row
 * gives them when that is higher than what one sample's findings give (causes/rank-causes.ts),
 * and among causes of the same likelihood, the pattern's come first, in the order of its list.
 * The list stays in the order of the likelihood shown. `series.intermittent` only says that
 * failures come and go, so it changes nothing.
 */
import { CAUSES_BY_FINDING, type CauseSupport, type Likelihood } from "../causes/cause-table.js";
import { LIKELIHOOD_WEIGHT, rankCauses } from "../causes/rank-causes.js";
import type { Finding } from "../findings/catalogue.js";
import type { RankedCause } from "../report/schema.js";

export function rankSeriesCauses(findings: readonly Finding[]): RankedCause[] {
  const rows = findings
    .filter((f) => f.code.startsWith("series.") && f.code !== "series.intermittent")
    .map((f) => CAUSES_BY_FINDING[f.code] as CauseSupport);
  const fromPatterns = (cause: RankedCause) =>
    rows.flatMap((row) => {
      const position = row.findIndex(([id]) => id === cause.id);
      const entry = row[position];
      return entry === undefined ? [] : [{ position, likelihood: entry[1] }];
    });
  return rankCauses(findings)
    .map((cause, order) => {
      const support = fromPatterns(cause);
      const best = support.reduce<Likelihood>(
        (top, s) => (LIKELIHOOD_WEIGHT[s.likelihood] > LIKELIHOOD_WEIGHT[top] ? s.likelihood : top),
        cause.likelihood,
      );
      const key = support.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...support.map((s) => s.position));
      return { cause: { ...cause, likelihood: best }, order, key };
    })
    .sort(
      (a, b) =>
        LIKELIHOOD_WEIGHT[b.cause.likelihood] - LIKELIHOOD_WEIGHT[a.cause.likelihood] ||
        a.key - b.key ||
        a.order - b.order,
    )
    .map(({ cause }, index) => ({ ...cause, rank: index + 1 }));
}
