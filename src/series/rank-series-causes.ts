/**
 * Causes ranked by what the series shows: the causes that a pattern points to (bursts, a
 * rotation, one bad address, slowing down, a decline) come first, in the order of the pattern's
 * own list, before the ranking that one sample's findings would give (causes/rank-causes.ts).
 * `series.intermittent` only says that failures come and go, so it reorders nothing.
 */
import { CAUSES_BY_FINDING, type CauseSupport } from "../causes/cause-table.js";
import { rankCauses } from "../causes/rank-causes.js";
import type { Finding } from "../findings/catalogue.js";
import type { RankedCause } from "../report/schema.js";

export function rankSeriesCauses(findings: readonly Finding[]): RankedCause[] {
  const patterns = findings.filter((f) => f.code.startsWith("series.") && f.code !== "series.intermittent");
  const position = (cause: RankedCause): number => {
    const positions = patterns.map((f) =>
      (CAUSES_BY_FINDING[f.code] as CauseSupport).findIndex(([id]) => id === cause.id),
    );
    const found = positions.filter((p) => p >= 0);
    return found.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...found);
  };
  return rankCauses(findings)
    .map((cause, order) => ({ cause, order, key: position(cause) }))
    .sort((a, b) => a.key - b.key || a.order - b.order)
    .map(({ cause }, index) => ({ ...cause, rank: index + 1 }));
}
