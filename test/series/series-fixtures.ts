/**
 * Series built from a strip of marks, through the real aggregator: "." answered, "x" an error
 * (http.empty_reply, 520), "r" another error (tcp.refused, 521), "!" a warning
 * (http.origin_error), "?" interrupted. Addresses are taken round-robin, as the sampler does.
 */
import { type Finding, type FindingCode, finding, type Origin, type Severity } from "../../src/findings/catalogue.js";
import type { LegSeries, SampleOutcome } from "../../src/report/series-schema.js";
import { type Exemplar, LegAggregator } from "../../src/series/leg-aggregator.js";
import type { Sample } from "../../src/series/sample.js";

const MARKS: Readonly<Record<string, { outcome: SampleOutcome; code: FindingCode | null; severity: Severity }>> = {
  ".": { outcome: "ok", code: null, severity: "info" },
  x: { outcome: "error", code: "http.empty_reply", severity: "error" },
  r: { outcome: "error", code: "tcp.refused", severity: "error" },
  "!": { outcome: "warning", code: "http.origin_error", severity: "warning" },
  "?": { outcome: "interrupted", code: null, severity: "info" },
};

export interface StripOptions {
  readonly addresses?: readonly string[];
  /** Wall time of sample n (1-based); 1 ms by default. */
  readonly totalMs?: (n: number, mark: string) => number;
  readonly recordCap?: number;
  readonly exemplar?: Exemplar | null;
}

function sampleFinding(code: FindingCode, severity: Severity): Finding {
  const where: Origin = { leg: "origin", phase: code.startsWith("tcp.") ? "tcp" : "http" };
  return finding(code, severity, where, "detail", {} as never);
}

export function sampleFrom(n: number, mark: string, address: string, totalMs: number): Sample {
  const spec = MARKS[mark];
  if (spec === undefined) throw new Error(`unknown mark ${mark}`);
  const findings = spec.code === null ? [] : [sampleFinding(spec.code, spec.severity)];
  const edgeStatus = spec.code === "tcp.refused" ? 521 : spec.outcome === "error" ? 520 : null;
  return {
    record: {
      n,
      address,
      atMs: (n - 1) * 10,
      outcome: spec.outcome,
      codes: findings.map((f) => f.code),
      edgeStatus,
      statusCode: spec.outcome === "ok" ? 200 : spec.outcome === "warning" ? 500 : null,
      ms: { tcp: totalMs / 4, tls: null, http: (totalMs * 3) / 4, total: totalMs },
    },
    findings,
  };
}

export function seriesFromStrip(strip: string, options: StripOptions = {}): LegSeries {
  const addresses = options.addresses ?? ["127.0.0.1"];
  const aggregator = new LegAggregator("origin", addresses, options.recordCap);
  [...strip].forEach((mark, i) => {
    const n = i + 1;
    const address = addresses[i % addresses.length] as string;
    aggregator.add(sampleFrom(n, mark, address, options.totalMs?.(n, mark) ?? 1));
  });
  return aggregator.result(options.exemplar ?? null);
}
