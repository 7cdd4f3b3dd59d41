/**
 * A strict reader of Prometheus' classic text format, for the tests: every sample line must
 * parse, belong to a family announced by `# HELP` and `# TYPE` before it, and carry valid names
 * and escapes. It returns the samples so that tests can look values up by name and labels.
 */

export interface ParsedSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface ParsedExposition {
  readonly samples: readonly ParsedSample[];
  readonly types: ReadonlyMap<string, string>;
  readonly helps: ReadonlyMap<string, string>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function parseExposition(text: string): ParsedExposition {
  if (text !== "" && !text.endsWith("\n")) throw new Error("the exposition must end with a newline");
  const samples: ParsedSample[] = [];
  const types = new Map<string, string>();
  const helps = new Map<string, string>();
  const seen = new Set<string>();
  text
    .split("\n")
    .slice(0, -1)
    .forEach((line, index) => {
      const where = `line ${index + 1} (${JSON.stringify(line)})`;
      const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
      if (meta) {
        const [, kind, name = "", rest = ""] = meta;
        if (!NAME.test(name)) throw new Error(`${where}: bad metric name`);
        if (kind === "TYPE") {
          if (!["gauge", "counter", "summary", "histogram", "untyped"].includes(rest))
            throw new Error(`${where}: bad type`);
          if (types.has(name)) throw new Error(`${where}: a second TYPE for ${name}`);
          types.set(name, rest);
        } else helps.set(name, rest);
        return;
      }
      if (line.startsWith("#") || line === "") throw new Error(`${where}: unexpected line`);
      const sample = parseSample(line, where);
      if (!types.has(sample.name) || !helps.has(sample.name)) throw new Error(`${where}: no HELP and TYPE before it`);
      const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
      if (seen.has(key)) throw new Error(`${where}: a duplicate series`);
      seen.add(key);
      samples.push(sample);
    });
  return { samples, types, helps };
}

function parseSample(line: string, where: string): ParsedSample {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0] ?? "";
  if (name === "") throw new Error(`${where}: no metric name`);
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith("{")) {
    rest = rest.slice(1);
    while (!rest.startsWith("}")) {
      const match = /^([^=]*)="/.exec(rest);
      if (!match || !LABEL_NAME.test(match[1] ?? "")) throw new Error(`${where}: bad label`);
      rest = rest.slice(match[0].length);
      let value = "";
      for (;;) {
        const char = rest[0];
        if (char === undefined) throw new Error(`${where}: unterminated label value`);
        rest = rest.slice(1);
        if (char === '"') break;
        if (char === "\n") throw new Error(`${where}: raw newline in a label value`);
        if (char !== "\\") {
          value += char;
          continue;
        }
        const escaped = rest[0];
        rest = rest.slice(1);
        if (escaped === "n") value += "\n";
        else if (escaped === "\\" || escaped === '"') value += escaped;
        else throw new Error(`${where}: bad escape \\${escaped}`);
      }
      labels[match[1] as string] = value;
      if (rest.startsWith(",")) rest = rest.slice(1);
      else if (!rest.startsWith("}")) throw new Error(`${where}: expected , or }`);
    }
    rest = rest.slice(1);
  }
  const valueText = /^ (\S+)$/.exec(rest)?.[1];
  if (valueText === undefined) throw new Error(`${where}: expected one value and no timestamp`);
  const value = valueText === "+Inf" ? Infinity : valueText === "-Inf" ? -Infinity : Number(valueText);
  if (Number.isNaN(value) && valueText !== "NaN") throw new Error(`${where}: bad value`);
  return { name, labels, value };
}

/** The value of the one sample called `name` whose labels include `labels`; undefined when there is none. */
export function sampleValue(
  exposition: ParsedExposition,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  const matches = exposition.samples.filter(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (matches.length > 1) throw new Error(`${matches.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matches[0]?.value;
}
