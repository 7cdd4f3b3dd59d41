/**
 * The one-line answer for a series, in rates: "the CDN would answer 520 on 6 of 50 requests
 * (12 %) in two streaks: the origin closed the connection without sending a response". It rests
 * on the first finding of the most frequent error code. `status` is fail when a counted sample
 * failed, incomplete when all passed but the series was cut short; a tolerated error rate
 * (--tolerate) changes the exit code, not the facts, and the sentence says so. Without a counted sample it is the single run's verdict (a resolution
 * error, or an interruption before the first answer).
 */
import { FINDING_CATALOGUE, type Finding } from "../findings/catalogue.js";
import type { Verdict } from "../report/schema.js";
import type { LegSeries, Series } from "../report/series-schema.js";
import { decideVerdict, describeInterruption, type VerdictInput } from "../report/verdict.js";
import { duration, ordinal, percent, plural } from "./words.js";

const NUMBER_WORDS = ["no", "a single", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];

export function decideSeriesVerdict(findings: readonly Finding[], series: Series, single: VerdictInput): Verdict {
  const { interruption } = single;
  const sampled = Object.values(series.legs).filter((leg): leg is LegSeries => leg !== undefined && leg.counted > 0);
  if (sampled.length === 0) return decideVerdict(single);
  const named = sampled.length > 1;
  const failing = sampled.filter((leg) => leg.outcomes.error > 0).sort((a, b) => b.errorRate - a.errorRate);
  const worst = failing[0];
  if (worst === undefined) {
    const answered = sampled.map((leg) => `${named ? `${leg.leg} leg: ` : ""}${answeredPhrase(leg)}`).join("; ");
    const warnings = sampled.reduce((sum, leg) => sum + leg.outcomes.warning, 0);
    const tail = warnings > 0 ? ` (${plural(warnings, "sample")} with warnings below)` : "";
    if (interruption !== null) {
      // Cut short: what was sampled passed, but a series that did not finish is never green.
      return {
        ok: false,
        status: "incomplete",
        edgeStatus: null,
        summary: `incomplete: ${describeInterruption(interruption)} before the series finished; no sample so far would make the CDN fail this request: ${answered}${tail}`,
        decidingFinding: null,
      };
    }
    return {
      ok: true,
      status: "pass",
      edgeStatus: null,
      summary: `no sample would make the CDN fail this request: ${answered}${tail}`,
      decidingFinding: null,
    };
  }
  const dominant = worst.codes.find((c) => c.severity === "error");
  const index = findings.findIndex((f) => f.leg === worst.leg && f.code === dominant?.code);
  const deciding = findings[index];
  const summary = failing
    .map((leg) => `${named ? `${leg.leg} leg: ` : ""}${failurePhrase(leg, findings, series.plan.tolerate)}`)
    .join("; ");
  return {
    ok: false,
    status: "fail",
    edgeStatus: worst.edgeStatuses[0]?.status ?? null,
    summary,
    decidingFinding: deciding === undefined ? null : { index, code: deciding.code, leg: deciding.leg },
  };
}

function answeredPhrase(leg: LegSeries): string {
  const total = leg.phases.total;
  const answered = leg.counted;
  const p50 = [total.ok.p50, total.warning.p50].filter((v): v is number => v !== null);
  const timing = p50.length > 0 ? `, median ${duration(Math.max(...p50))}` : "";
  return `${answered} of ${plural(answered, "request")} answered${timing}`;
}

function failurePhrase(leg: LegSeries, findings: readonly Finding[], tolerate: number): string {
  const errors = leg.outcomes.error;
  const rate = `${errors} of ${plural(leg.counted, "request")} (${percent(leg.errorRate)})`;
  const periodic = findings.find((f) => f.leg === leg.leg && f.code === "series.periodic");
  const streaks = leg.errorStreaks.count;
  const how =
    periodic !== undefined
      ? `, every ${ordinalWord(Number(periodic.evidence.every))} request`
      : streaks === errors || errors === leg.counted
        ? ""
        : ` in ${NUMBER_WORDS[streaks] ?? streaks} streak${streaks === 1 ? "" : "s"}`;
  const errorCodes = leg.codes.filter((c) => c.severity === "error");
  const statuses = leg.edgeStatuses;
  const only = statuses.length === 1 ? statuses[0] : undefined;
  const head =
    only !== undefined && only.count === errors
      ? `the CDN would answer ${only.status} on ${rate}${how}`
      : `the CDN would fail ${rate}${how}`;
  const what =
    errorCodes.length === 1 && errorCodes[0] !== undefined
      ? lowerFirst(FINDING_CATALOGUE[errorCodes[0].code].title)
      : errorCodes
          .map((c) => {
            const status = FINDING_CATALOGUE[c.code].edgeStatus;
            return `${c.code}${status === null ? "" : ` (${status})`} on ${c.count}`;
          })
          .join(", ");
  const address = findings.find((f) => f.leg === leg.leg && f.code === "series.address_fails");
  const where =
    address === undefined
      ? ""
      : `, ${Number(address.evidence.errors) === errors ? "all" : "most"} at ${failingAddresses(address).join(", ")} (${failingAddresses(address).length} of ${plural(leg.addresses.length, "address", "addresses")})`;
  const tolerated =
    tolerate > 0 && leg.errorRate <= tolerate ? `; within the tolerated error rate (${percent(tolerate)})` : "";
  return `${head}: ${what}${where}${tolerated}`;
}

function failingAddresses(f: Finding): readonly string[] {
  return f.evidence.addresses as readonly string[];
}

function ordinalWord(n: number): string {
  const words: Readonly<Record<number, string>> = { 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth" };
  return words[n] ?? ordinal(n);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
