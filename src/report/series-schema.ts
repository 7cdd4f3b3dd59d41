/**
 * The `series` part of a report (issue 11): what repeated samples of the same request showed,
 * per leg (keyed by leg name, so that any leg can be sampled), as facts and aggregates. Every
 * figure here is computed once, when the series ends; renderers draw it, never re-derive it.
 * Kept apart from schema.ts, which imports it (this file must not import schema.ts).
 */
import { z } from "zod";
import { FINDING_CODES, type FindingCode } from "../findings/catalogue.js";
import { LEG_NAMES } from "../legs/leg-name.js";

const legName = z.enum(LEG_NAMES);
const edgeStatus = z.union([
  z.literal(520),
  z.literal(521),
  z.literal(522),
  z.literal(523),
  z.literal(524),
  z.literal(525),
  z.literal(526),
  z.literal(530),
]);
const findingCode = z.enum(FINDING_CODES as [FindingCode, ...FindingCode[]]);
const ms = z.number().describe("milliseconds");
const count = z.number().int().min(0);

export const sampleOutcomeSchema = z
  .enum(["ok", "warning", "error", "interrupted"])
  .describe(
    "error: at least one error finding (the CDN would fail this request); warning: warnings only; interrupted: cut by Ctrl-C or the whole-run deadline, not counted",
  );

export const latencySchema = z
  .object({
    count,
    p50: ms.nullable(),
    p95: ms.nullable(),
    max: ms.nullable(),
    exact: z
      .boolean()
      .describe("false when the percentiles come from a uniform reservoir of 10,000 values (count and max stay exact)"),
  })
  .describe("nearest-rank percentiles; null when count is 0");

const byOutcome = z
  .object({ ok: latencySchema, warning: latencySchema, error: latencySchema })
  .describe("split by the sample's outcome: failed samples do not hide in the healthy latency");

const phaseMs = z.object({ tcp: ms.nullable(), tls: ms.nullable(), http: ms.nullable(), total: ms });

export const sampleRecordSchema = z.object({
  n: z.number().int().min(1).describe("the sample's number in this leg's series, in start order"),
  address: z.string(),
  atMs: ms.describe("when the sample started, from the start of the series"),
  outcome: sampleOutcomeSchema,
  codes: z.array(findingCode).describe("the sample's finding codes, in the order the checks wrote them"),
  edgeStatus: edgeStatus.nullable().describe("what the CDN would answer for this sample (errors only)"),
  statusCode: z.number().int().nullable().describe("the origin's HTTP status, when a final head arrived"),
  ms: phaseMs.describe("each phase's duration (null when it did not run) and the sample's wall time"),
});

export const codeSeriesSchema = z.object({
  code: findingCode,
  severity: z.enum(["error", "warning", "info"]).describe("the most severe it was given in any sample"),
  phase: z.enum(["dns", "tcp", "tls", "http", "http2"]).describe("where it was observed, the first time"),
  count,
  rate: z.number().describe("count / counted samples"),
  firstSample: z.number().int(),
  lastSample: z.number().int(),
  firstAtMs: ms,
  lastAtMs: ms,
  streaks: count.describe("runs of consecutive samples that had it"),
  longestStreak: count,
});

export const addressSeriesSchema = z.object({
  address: z.string(),
  samples: count,
  counted: count,
  ok: count,
  warning: count,
  error: count,
  errorRate: z.number(),
  codes: z.array(z.object({ code: findingCode, count })).describe("most frequent first"),
  total: latencySchema.describe("wall time of its counted samples"),
});

export const histogramBucketSchema = z.object({
  fromMs: ms.describe("exclusive, except for the first bucket (0)"),
  toMs: ms.nullable().describe("inclusive; null for the open last bucket"),
  ok: count,
  warning: count,
  error: count,
});

export const trendWindowSchema = z.object({
  fromSample: z.number().int(),
  toSample: z.number().int(),
  counted: count,
  errors: count,
  okMeanMs: phaseMs.nullable().describe("mean durations of its ok samples; null when it has none"),
});

export const legSeriesSchema = z.object({
  leg: legName,
  addresses: z.array(z.string()).describe("sampled round-robin, in this order"),
  samples: count.describe("samples started"),
  counted: count.describe("samples with an outcome (all but the interrupted ones): the denominator of every rate"),
  outcomes: z.object({ ok: count, warning: count, error: count, interrupted: count }),
  errorRate: z.number().describe("error samples / counted samples (0 when none was counted)"),
  errorStreaks: z.object({
    count,
    longest: count,
    first: z.number().int().nullable().describe("the first error sample, or null"),
    last: z.number().int().nullable().describe("the last error sample, or null"),
    spacing: z
      .number()
      .int()
      .nullable()
      .describe("the distance between consecutive error samples when it is always the same, else null"),
  }),
  edgeStatuses: z.array(z.object({ status: edgeStatus, count })).describe("among error samples, most frequent first"),
  codes: z.array(codeSeriesSchema).describe("every finding code seen, most frequent first"),
  phases: z.object({ tcp: byOutcome, tls: byOutcome, http: byOutcome, total: byOutcome }),
  histogram: z
    .array(histogramBucketSchema)
    .describe("wall time of the counted samples in 1-2-5 buckets, from the first non-empty bucket to the last"),
  trend: z
    .array(trendWindowSchema)
    .describe("the series cut into at most 64 consecutive windows of equal size, in order"),
  beforeFailure: z
    .object({ tcp: latencySchema, tls: latencySchema, http: latencySchema, total: latencySchema })
    .describe("durations of the (up to 3) answered samples just before each run of error samples"),
  byAddress: z.array(addressSeriesSchema).describe("one entry per address, in round-robin order"),
  exemplar: z
    .object({
      sample: z.number().int(),
      address: z.string(),
      why: z.enum(["first_error", "first_warning", "last"]),
    })
    .nullable()
    .describe("the sample whose phases the report's `legs` entry shows"),
  records: z.array(sampleRecordSchema).describe("the most recent samples, at most 1,000, in order"),
  omittedRecords: count.describe("earlier samples not listed in `records` (their figures are counted above)"),
});

export const seriesPlanSchema = z.object({
  repeat: z.number().int().nullable().describe("samples asked for, or null when only a duration bounds the series"),
  forMs: ms.nullable().describe("no sample starts after this long; null when only a count bounds the series"),
  intervalMs: ms.describe("from the start of one sample to the start of the next"),
  concurrency: z.number().int().describe("samples in flight at once (1: sequential)"),
  tolerate: z
    .number()
    .describe("the error rate a leg may reach and still exit 0 (a rate equal to it passes); 0: any error fails"),
});

export const seriesSchema = z
  .object({
    plan: seriesPlanSchema,
    startedAt: z.string(),
    durationMs: ms,
    ended: z
      .enum(["count", "duration", "interrupted", "run_deadline", "not_started"])
      .describe("what ended the series: the count or the duration asked for, Ctrl-C, --max-time, or no address"),
    legs: z.partialRecord(legName, legSeriesSchema).describe("each sampled leg's series, by leg name"),
  })
  .describe("repeated samples of the same request (--repeat, --for)");

export type Series = z.infer<typeof seriesSchema>;
export type SeriesPlanFacts = z.infer<typeof seriesPlanSchema>;
export type LegSeries = z.infer<typeof legSeriesSchema>;
export type Latency = z.infer<typeof latencySchema>;
export type SampleRecord = z.infer<typeof sampleRecordSchema>;
export type SampleOutcome = z.infer<typeof sampleOutcomeSchema>;
export type CodeSeries = z.infer<typeof codeSeriesSchema>;
export type AddressSeries = z.infer<typeof addressSeriesSchema>;
export type HistogramBucket = z.infer<typeof histogramBucketSchema>;
export type TrendWindow = z.infer<typeof trendWindowSchema>;
