/**
 * Prometheus' classic text exposition format (version 0.0.4): `# HELP`, `# TYPE`, then one
 * sample per line, no timestamps (the scrape's own time is the one that counts). Label values
 * escape `\`, `"` and newline; HELP text escapes `\` and newline.
 */

export const TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type MetricType = "gauge" | "counter";

export interface Sample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly samples: readonly Sample[];
}

/** `\` → `\\`, `"` → `\"`, newline → `\n`: the three escapes a label value has. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (char) => (char === "\n" ? "\\n" : `\\${char}`));
}

function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (char) => (char === "\n" ? "\\n" : "\\\\"));
}

/** Go's ParseFloat reads what JavaScript prints, except the infinities and NaN, spelled here as Prometheus does. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

function sampleLine(name: string, sample: Sample): string {
  const labels = Object.entries(sample.labels ?? {});
  const labelText =
    labels.length === 0 ? "" : `{${labels.map(([key, value]) => `${key}="${escapeLabelValue(value)}"`).join(",")}}`;
  return `${name}${labelText} ${formatValue(sample.value)}\n`;
}

/** One family: HELP and TYPE always (also with no sample), then its samples. */
export function renderFamily(family: MetricFamily): string {
  return `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n${family.samples
    .map((sample) => sampleLine(family.name, sample))
    .join("")}`;
}

export function renderFamilies(families: readonly MetricFamily[]): string {
  return families.map(renderFamily).join("");
}
