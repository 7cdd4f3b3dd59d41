/**
 * `diag520 serve --config <file>`: the modules (how to probe) and the allow lists (what may be
 * probed), read once at start, in JSON or in the YAML subset of yaml-subset.ts, and validated
 * with zod. Any problem is a UsageError of one line that names the file, the line (for YAML)
 * and the setting, so that a bad file stops the exporter before it listens.
 */
import { readFile, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { UsageError } from "../errors.js";
import {
  parseByteCount,
  parseDnsServer,
  parseHeader,
  parseMethod,
  parsePath,
  parseUserAgent,
} from "../input/arguments.js";
import { readCaFile } from "../input/ca-file.js";
import { DEFAULTS, type Scheme } from "../options.js";
import { type Allowlist, compileOriginPattern, compileTargetPattern } from "./allowlist.js";
import { parseYamlSubset, YamlSubsetError } from "./yaml-subset.js";

/** How one module probes: everything but the target and the origin, which come with each /probe request. */
export interface ProbeModule {
  readonly name: string;
  readonly scheme: Scheme;
  readonly port: number;
  readonly path: string;
  readonly method: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly userAgent: string;
  /** The longest a probe of this module may take; Prometheus' scrape timeout can only shorten it. */
  readonly timeoutMs: number;
  readonly maxHeaderSize: number;
  readonly maxBodyBytes: number;
  readonly extraCaPem: readonly string[];
  readonly dnsServers: readonly string[];
}

export interface ServeConfig {
  /** By name; a Map, so that `module=constructor` finds nothing. */
  readonly modules: ReadonlyMap<string, ProbeModule>;
  readonly allow: Allowlist;
}

export const DEFAULT_MODULE_TIMEOUT_MS = 10_000;
/** A configuration is a few kilobytes; a bigger file is a mistake (a log, a disk image). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Module names become label values and URL parameters: short and plain. */
const MODULE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/**
 * Runs an existing CLI validator and turns its UsageError into a zod issue. The validators'
 * messages start "invalid --flag 'input': ", which zod's path replaces here.
 */
function via<T>(validate: (input: string) => T, flag: string) {
  return (input: string, ctx: z.RefinementCtx): T => {
    try {
      return validate(input);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      ctx.addIssue({ code: "custom", message: reasonOf(error.message, flag, input) });
      return z.NEVER;
    }
  };
}

function reasonOf(message: string, flag: string, input: string): string {
  const prefix = `invalid ${flag} '${input}': `;
  if (message.startsWith(prefix)) return `'${input}': ${message.slice(prefix.length)}`;
  return message.replace(`invalid ${flag}: `, "").replace(`invalid ${flag} `, "");
}

/** 10, 2.5 (seconds), "10s", "1.5s", "500ms", "1m". */
const duration = z.union([z.number(), z.string()]).transform((input, ctx) => {
  const match = typeof input === "number" ? null : /^([0-9]+(?:\.[0-9]+)?)(ms|s|m)$/.exec(input);
  const unit = match === null ? 1000 : { ms: 1, s: 1000, m: 60_000 }[match[2] as "ms" | "s" | "m"];
  const ms = typeof input === "number" ? input * 1000 : match === null ? Number.NaN : Number(match[1]) * unit;
  if (!Number.isFinite(ms) || ms < 1 || ms > 86_400_000) {
    ctx.addIssue({
      code: "custom",
      message: `'${input}': give a duration from 1ms to 24h, as seconds (10, 2.5) or with a unit ("10s", "500ms", "2m")`,
    });
    return z.NEVER;
  }
  return Math.round(ms);
});

const byteCount = (flag: string, max: number) =>
  z
    .number()
    .int()
    .transform((n, ctx) => via((text) => parseByteCount(text, flag, max), flag)(String(n), ctx));

const moduleSchema = z.strictObject({
  scheme: z.enum(["http", "https"]).default("https"),
  port: z.number().int().min(1).max(65535).optional(),
  path: z.string().transform(via(parsePath, "--path")).default("/"),
  method: z.string().transform(via(parseMethod, "--method")).default("GET"),
  headers: z
    .record(z.string(), z.string())
    .transform((headers, ctx) =>
      Object.entries(headers).map(([name, value]) => via(parseHeader, "--header")(`${name}: ${value}`, ctx)),
    )
    .default([]),
  userAgent: z.string().transform(via(parseUserAgent, "--user-agent")).default(DEFAULTS.userAgent),
  timeout: duration.default(DEFAULT_MODULE_TIMEOUT_MS),
  maxHeaderSize: byteCount("--max-header-size", 16 * 1024 * 1024).default(DEFAULTS.maxHeaderSize),
  maxBody: byteCount("--max-body", 1024 * 1024 * 1024).default(DEFAULTS.maxBodyBytes),
  caFile: z.string().optional(),
  dnsServers: z.array(z.string().transform(via(parseDnsServer, "--dns-server"))).default([]),
});

const patternList = (compile: (text: string) => unknown, what: string) =>
  z
    .array(
      z.string().transform((text, ctx) => {
        try {
          return compile(text);
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
          ctx.addIssue({ code: "custom", message: error.message.replace(/^invalid (pattern|name) /, "") });
          return z.NEVER;
        }
      }),
    )
    .min(1, `list at least one ${what}`);

const configSchema = z.strictObject({
  modules: z
    .record(z.string().regex(MODULE_NAME, "a module name is 1-64 letters, digits, '_', '.' or '-'"), moduleSchema)
    .refine((modules) => Object.keys(modules).length > 0, "define at least one module"),
  allow: z.strictObject({
    targets: patternList(compileTargetPattern, "target (a hostname, '*.example.com' or '*')"),
    origins: patternList(compileOriginPattern, "origin (a CIDR range such as 203.0.113.0/24, or a name)"),
  }),
});

type RawModule = z.infer<typeof moduleSchema>;

/**
 * Parses a configuration's text. `fileName` decides the syntax (.json → JSON, else the YAML
 * subset; JSON is also recognised by its leading '{'). Throws UsageError with one line.
 */
export function parseServeConfig(text: string, fileName: string): { config: ServeConfig; caFiles: CaFileRefs } {
  const fail = (where: string, why: string): never => {
    throw new UsageError(`invalid config file '${fileName}': ${where === "" ? "" : `${where}: `}${why}`);
  };
  const isJson = /\.json$/i.test(fileName) || /^\uFEFF?\s*\{/.test(text);
  let raw: unknown;
  let lineOf: (path: readonly PropertyKey[]) => number | null = () => null;
  if (isJson) {
    try {
      raw = JSON.parse(text.replace(/^\uFEFF/, ""));
    } catch (error) {
      fail("", `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
  } else {
    try {
      const document = parseYamlSubset(text);
      raw = document.value;
      lineOf = (path) => document.lineOf(path);
    } catch (error) {
      if (error instanceof YamlSubsetError) fail(`line ${error.line}`, error.reason);
      throw error;
    }
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0] ?? ""] : issue.path;
      const line = lineOf(path);
      const where = path.length === 0 ? "" : `${z.core.toDotPath(path).replace(/^\./, "")}: `;
      // A record key's own issue is nested: its message says what a name may be.
      const message = issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
      return { line, text: `${line === null ? "" : `line ${line}: `}${where}${message}` };
    });
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    const [first, ...rest] = problems.map((problem) => problem.text);
    fail("", `${first}${rest.length === 0 ? "" : `; ${rest.join("; ")}`}`);
  }
  const parsed = result.data as z.infer<typeof configSchema>;
  const modules = new Map<string, ProbeModule>();
  const caFiles: CaFileRefs = [];
  for (const [name, module] of Object.entries(parsed.modules)) {
    modules.set(name, toModule(name, module));
    if (module.caFile !== undefined)
      caFiles.push({ module: name, path: module.caFile, line: lineOf(["modules", name, "caFile"]) });
  }
  return {
    config: {
      modules,
      allow: {
        targets: parsed.allow.targets as Allowlist["targets"][number][],
        origins: parsed.allow.origins as Allowlist["origins"][number][],
      },
    },
    caFiles,
  };
}

/** The CA files the modules name, read after parsing (reading is I/O; parsing stays pure). */
export type CaFileRefs = Array<{ readonly module: string; readonly path: string; readonly line: number | null }>;

function toModule(name: string, module: RawModule): ProbeModule {
  return {
    name,
    scheme: module.scheme,
    port: module.port ?? (module.scheme === "https" ? 443 : 80),
    path: module.path,
    method: module.method,
    headers: module.headers,
    userAgent: module.userAgent,
    timeoutMs: module.timeout,
    maxHeaderSize: module.maxHeaderSize,
    maxBodyBytes: module.maxBody,
    extraCaPem: [],
    dnsServers: module.dnsServers,
  };
}

/** Reads, parses and validates the file, and loads the CA files its modules name. */
export async function loadServeConfig(path: string): Promise<ServeConfig> {
  const fail = (why: string): never => {
    throw new UsageError(`invalid config file '${path}': ${why}`);
  };
  let size = 0;
  try {
    const info = await stat(path);
    if (info.isDirectory()) fail("it is a directory");
    size = info.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    fail(`cannot read it (${(error as NodeJS.ErrnoException).code ?? "unreadable"})`);
  }
  if (size > MAX_CONFIG_BYTES) fail(`it is larger than ${MAX_CONFIG_BYTES} bytes`);
  let bytes: Buffer = Buffer.alloc(0);
  try {
    bytes = await readFile(path);
  } catch (error) {
    fail(`cannot read it (${(error as NodeJS.ErrnoException).code ?? "unreadable"})`);
  }
  if (bytes.length > MAX_CONFIG_BYTES) fail(`it is larger than ${MAX_CONFIG_BYTES} bytes`);
  let text = "";
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    fail("it is not UTF-8 text");
  }
  const { config, caFiles } = parseServeConfig(text, path);
  const modules = new Map(config.modules);
  for (const ref of caFiles) {
    // Relative to the configuration file, as Prometheus reads the paths in its own.
    const caPath = resolve(dirname(path), ref.path);
    const where = `${ref.line === null ? "" : `line ${ref.line}: `}modules.${ref.module}.caFile`;
    let pem: string[] = [];
    try {
      pem = readCaFile(caPath);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      fail(`${where}: ${reasonOf(error.message, "--ca-file", caPath)}`);
    }
    const module = modules.get(ref.module);
    if (module !== undefined) modules.set(ref.module, { ...module, extraCaPem: pem });
  }
  return { ...config, modules };
}
