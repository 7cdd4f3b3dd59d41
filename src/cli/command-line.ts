/**
 * The command line, parsed into what to do: a pure function of the arguments and the
 * environment (no output, no exit), so that every rejected input can be tested in-process and
 * the binary is spawned only for the wiring. Bad input throws a UsageError with one line.
 */
import { Command, CommanderError, InvalidArgumentError, Option, type OutputConfiguration } from "commander";
import { UsageError } from "../errors.js";
import {
  parseByteCount,
  parseDnsServer,
  parseEdgeAddress,
  parseHeader,
  parseHostHeader,
  parseMethod,
  parseOrigin,
  parsePath,
  parsePort,
  parseScheme,
  parseSeconds,
  parseUserAgent,
} from "../input/arguments.js";
import { readCaFile } from "../input/ca-file.js";
import { parseSeriesPlan } from "../input/series-arguments.js";
import { parseTarget } from "../input/target.js";
import { describeCommanderError } from "../input/usage-message.js";
import { parseCertWarnDays, parseModeAndScheme } from "../input/zone-settings.js";
import { DEFAULTS, type DiagnoseOptions, type DiagnoseRequest, type EdgeChoice } from "../options.js";
import type { SeriesPlan } from "../series/series-plan.js";
import { addServeCommand, type ServeSettings } from "../serve/serve-command.js";
import { VERSION } from "../version.js";
import { type BatchCommand, registerBatchCommand, toBatchCommand } from "./batch-command-line.js";
import { metricsPath, type OutputFormat, singleRunFormat } from "./output-format.js";

/** Where the run's outputs go, as the user asked. */
export interface OutputChoice {
  readonly json: boolean;
  /** true for --color, false for --no-color, undefined for neither. */
  readonly color: boolean | undefined;
  /** --verbose: every finding, its evidence and what could not be checked, in the human report. */
  readonly verbose: boolean;
  readonly harPath: string | null;
  readonly reportPath: string | null;
  /** --ca-file as given, so that the reproduction command can trust the same CAs (--cacert). */
  readonly caFile: string | null;
  /** What goes to stdout (--format; json for --json). */
  readonly format: OutputFormat;
  /** --metrics: a Prometheus textfile to write, or null. */
  readonly metricsPath: string | null;
}

export type DiagnoseSettings = Omit<DiagnoseOptions, "signal" | "onPhaseStart">;

export type ParsedCommand =
  | {
      readonly kind: "diagnose";
      readonly request: DiagnoseRequest;
      readonly options: DiagnoseSettings;
      readonly output: OutputChoice;
      /** --repeat / --for: sample the request as a series; null for a single run. */
      readonly series: SeriesPlan | null;
    }
  | { readonly kind: "schema" }
  | { readonly kind: "lab"; readonly demo: boolean; readonly json: boolean }
  | { readonly kind: "version" }
  | { readonly kind: "serve"; readonly settings: ServeSettings }
  | BatchCommand
  /** --help or --version: the text to print, exit 0. */
  | { readonly kind: "print"; readonly text: string };

export interface RawOptions {
  origin?: string;
  hostHeader?: string;
  edgeHeaders: boolean;
  /** false for --no-edge. */
  edge: boolean;
  edgeAddress?: string;
  edgeCache?: boolean;
  port?: string;
  scheme?: string;
  path?: string;
  method?: string;
  header?: string[];
  userAgent?: string;
  timeout?: string;
  maxTime?: string;
  maxHeaderSize?: string;
  maxBody?: string;
  caFile?: string;
  dnsServer?: string;
  repeat?: string;
  for?: string;
  interval?: string;
  concurrency?: string;
  tolerate?: string;
  json?: boolean;
  color?: boolean;
  verbose?: boolean;
  har?: string;
  report?: string;
  format?: string;
  metrics?: string;
  /** Header names from --redact, true when none were named, false for --no-redact. */
  redact: string[] | boolean;
  sslMode?: string;
  /** false for --no-h2. */
  h2?: boolean;
  certWarnDays?: string;
}

const EXAMPLES = `
Examples:
  diag520 example.com --origin 203.0.113.7                 human report
  diag520 https://example.com/login --origin 203.0.113.7:8443
  diag520 example.com --origin 203.0.113.7 --json | jq .verdict
  diag520 example.com --origin 2001:db8::7 --path /login --header 'Cookie: a=b'
  diag520 example.com --origin 203.0.113.7 --scheme http   as SSL mode Flexible (port 80)
  diag520 example.com --origin 203.0.113.7 --edge-address 104.16.1.1   pin one Cloudflare address
  diag520 batch origins.txt --format junit > diag520.xml   a list of targets, for CI (batch --help)
  diag520 example.com --origin 203.0.113.7 --repeat 50   an intermittent 520
  diag520 lab                                              start the lab of broken origins
  diag520 schema                                           the JSON Schema of --json output

Deadlines: as long as the edge waits (19 s to connect, 125 s for the response), unless --timeout.
Exit codes: 0 nothing that would make the CDN fail, 1 at least one error finding (with
--repeat or --for: an error rate above --tolerate), 2 usage or input error, 3 internal error,
4 no verdict (cut short by --max-time, origin not reached), 130 interrupted (Ctrl-C).
Environment: DIAG520_DNS_SERVER (as --dns-server), NO_COLOR, FORCE_COLOR, CI.`;

/** The subcommands, for suggesting one when a bare word is mistyped. */
const COMMANDS = ["lab", "schema", "serve", "batch", "help", "version"] as const;

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** An option that takes one value: given twice, it is a mistake, not "the last one wins". */
const once =
  (flag: string) =>
  (value: string, previous: string | undefined): string => {
    if (previous !== undefined)
      throw new InvalidArgumentError(`${flag} is given twice ('${previous}', '${value}'); give it once`);
    return value;
  };
const collectRedactions = (value: string, previous: string[] | boolean): string[] => [
  ...(Array.isArray(previous) ? previous : []),
  value,
];

/** Parses `argv` (without node and the script); throws UsageError for bad input. */
export async function parseCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<ParsedCommand> {
  let parsed: ParsedCommand | null = null;
  let printed = "";
  const sink: OutputConfiguration = {
    writeOut: (text) => {
      printed += text;
    },
    writeErr: () => {},
    outputError: () => {},
  };
  const program = buildProgram(sink, {
    diagnose: (hostname, raw) => {
      parsed = toDiagnoseCommand(hostname, raw);
    },
    batch: (input, raw) => {
      parsed = toBatchCommand(input, raw, (hostname, flags) => toDiagnoseCommand(hostname, flags).options);
    },
    schema: () => {
      parsed = { kind: "schema" };
    },
    lab: (demo, json) => {
      parsed = { kind: "lab", demo, json };
    },
    version: () => {
      parsed = { kind: "version" };
    },
    help: (command) => {
      parsed = { kind: "print", text: command.helpInformation() };
    },
    serve: (settings) => {
      parsed = { kind: "serve", settings };
    },
  });
  // The environment is an argument (not commander's own `.env()`, which reads the global one).
  const envValue = env.DIAG520_DNS_SERVER;
  try {
    await program.parseAsync(withEnv(argv, envValue), { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (["commander.helpDisplayed", "commander.version", "commander.help"].includes(error.code)) {
        return { kind: "print", text: printed };
      }
      throw new UsageError(
        describeCommanderError(
          error.code,
          error.message.replace(/^error: option '[^']+' argument '[^']*' is invalid\. /, ""),
        ),
      );
    }
    throw error;
  }
  if (parsed === null) return { kind: "print", text: printed };
  return parsed;
}

/** DIAG520_DNS_SERVER acts as --dns-server when the option is not given (the option wins). */
function withEnv(argv: readonly string[], dnsServer: string | undefined): string[] {
  const given = argv.some((arg) => arg === "--dns-server" || arg.startsWith("--dns-server="));
  const first = argv[0];
  const isSubcommand = first !== undefined && (COMMANDS as readonly string[]).includes(first);
  if (given || isSubcommand || dnsServer === undefined || dnsServer === "") return [...argv];
  return [...argv, "--dns-server", dnsServer];
}

interface Actions {
  diagnose(hostname: string, raw: RawOptions): void;
  schema(): void;
  lab(demo: boolean, json: boolean): void;
  version(): void;
  /** `diag520 help [command]`: the help of the command named, or of diag520. */
  help(command: Command): void;
  serve(settings: ServeSettings): void;
  batch: Parameters<typeof registerBatchCommand>[1];
}

function buildProgram(output: OutputConfiguration, actions: Actions): Command {
  const program = new Command()
    // Before the subcommands are added: they inherit it (commander copies settings at .command()).
    .configureOutput(output)
    .name("diag520")
    .description("Tells you why Cloudflare answers 520 (or 521-526) for your site, and what to fix.")
    .argument("<target>", "the site's hostname as visitors type it (sent as SNI and Host), or its URL")
    .option(
      "--origin <address>",
      "origin address or name, with :port if needed (default: the hostname's DNS answer)",
      once("--origin"),
    )
    .option("--port <n>", "origin port (default: the URL's, else 443 for https, 80 for http)", once("--port"))
    .option(
      "--scheme <scheme>",
      "http or https, as the CDN's SSL mode talks to the origin (default: https)",
      once("--scheme"),
    )
    .option("--path <path>", "request path and query (default: /)", once("--path"))
    .option("--method <method>", "request method (default: GET)", once("--method"))
    .option(
      "--header <header>",
      "extra request header 'Name: value' (repeatable; replaces a default of that name)",
      collect,
    )
    .option(
      "--host-header <host>",
      "the Host the origin gets, when an Origin Rule rewrites it (default: the hostname)",
      once("--host-header"),
    )
    .option(
      "--no-edge-headers",
      "send the visitor's request only, without the fields the edge adds (CF-Ray, X-Forwarded-*…)",
    )
    .option(
      "--no-edge",
      "do not ask the edge (by default the request also goes through the public hostname when it is proxied)",
    )
    .option(
      "--edge-address <ip[:port]>",
      "ask the edge at this address, keeping the hostname for SNI and Host (as curl --resolve)",
      once("--edge-address"),
    )
    .option("--edge-cache", "send the edge the request as it is, without the cache-busting query parameter")
    .option("--user-agent <ua>", "User-Agent header (default: diag520)", once("--user-agent"))
    .option(
      "--timeout <seconds>",
      "one deadline for every phase, decimals allowed (default: the edge's own)",
      once("--timeout"),
    )
    .option("--max-time <seconds>", "deadline for the whole run", once("--max-time"))
    .option(
      "--max-header-size <bytes>",
      `response header block size that counts as too large (default: ${DEFAULTS.maxHeaderSize})`,
      once("--max-header-size"),
    )
    .option(
      "--max-body <bytes>",
      `response body bytes read before stopping (default: ${DEFAULTS.maxBodyBytes})`,
      once("--max-body"),
    )
    .option("--ca-file <pem>", "extra trusted CA certificates (PEM), as a custom origin trust store", once("--ca-file"))
    .option(
      "--ssl-mode <mode>",
      "the zone's SSL mode: off, flexible (plain HTTP to port 80), full, strict (TLS to 443) (default: strict)",
      once("--ssl-mode"),
    )
    .option("--no-h2", "HTTP/2 to Origin is off at the CDN: offer only http/1.1, as the edge then does")
    .option(
      "--cert-warn-days <days>",
      `warn about a certificate that expires within this many days (default: ${DEFAULTS.certWarnDays})`,
      once("--cert-warn-days"),
    )
    .addOption(
      new Option("--dns-server <address>", "DNS server to ask, ip[:port] (env: DIAG520_DNS_SERVER)").argParser(
        once("--dns-server"),
      ),
    )
    .option(
      "--repeat <n>",
      "sample the request n times, each on its own connection (an intermittent fault)",
      once("--repeat"),
    )
    .option(
      "--for <duration>",
      "sample the request for this long (90, 30s, 5m, 1h), or until --repeat is reached",
      once("--for"),
    )
    .option(
      "--interval <seconds>",
      "from the start of one sample to the start of the next; 0 allowed (default: 1)",
      once("--interval"),
    )
    .option(
      "--concurrency <k>",
      "samples in flight at once, to add load on purpose (1-16; default: 1, sequential)",
      once("--concurrency"),
    )
    .option(
      "--tolerate <rate>",
      "error rate a series may reach and still exit 0, a fraction 0-1 (default: 0)",
      once("--tolerate"),
    )
    .option("--json", "print one JSON document on stdout (see: diag520 schema)")
    .option("--har <file>", "write an HTTP Archive (HAR 1.2) of the requests made; - for stdout", once("--har"))
    .option("--report <file>", "write a Markdown report to attach to a support ticket; - for stdout", once("--report"))
    .option(
      "--format <format>",
      "stdout: human, json, jsonl, junit or github (default: human; json with --json; a batch piped: jsonl)",
    )
    .option("--metrics <file>", "write a Prometheus textfile (node_exporter's textfile collector), atomically")
    .option(
      "--redact <name>",
      "also redact this header's values (repeatable; Authorization, Proxy-Authorization, Cookie and Set-Cookie always are)",
      collectRedactions,
    )
    .option("--no-redact", "show Authorization, Cookie and Set-Cookie values instead of [REDACTED]")
    .option("--verbose", "show every finding, its evidence and what could not be checked")
    .option("--color", "force colour")
    .option("--no-color", "no colour")
    .version(VERSION, "-V, --version")
    .addHelpText("after", EXAMPLES)
    .showSuggestionAfterError(true)
    .exitOverride()
    .action((target: string, raw: RawOptions) => actions.diagnose(target, raw));

  program
    .command("schema")
    .description("print the JSON Schema of the --json output")
    .action(() => actions.schema());

  program
    .command("lab")
    .description("start the lab of misbehaving origins on loopback and print how to diagnose each")
    .option("--demo", "diagnose every lab origin in turn, then stop")
    .option("--json", "describe the lab as one JSON document")
    // With globals: the program's own --json is lab's too (commander hands a shared flag to the program).
    .action((_raw: unknown, command: Command) => {
      const raw = command.optsWithGlobals<{ demo?: boolean; json?: boolean }>();
      actions.lab(raw.demo === true, raw.json === true);
    });

  addServeCommand(program, actions.serve);
  registerBatchCommand(program, actions.batch);

  program
    .command("version")
    .description("print diag520's version")
    .action(() => actions.version());

  program
    .command("help [command]")
    .description("display help for diag520 or one of its commands")
    .action((name: string | undefined) => {
      const command = name === undefined ? program : program.commands.find((c) => c.name() === name);
      if (command === undefined) throw new UsageError(`unknown command '${name}'; diag520 help lists the commands`);
      actions.help(command);
    });
  for (const command of program.commands) {
    command.exitOverride();
    // A diagnosis flag given to a command that takes none (`diag520 lab --port 8080`) is a mistake,
    // not a no-op. (batch takes them: they apply to every line.)
    if (command.name() !== "batch") command.hook("preAction", () => refuseProgramOptions(program, command));
  }
  return program;
}

function refuseProgramOptions(program: Command, command: Command): void {
  const own = new Set(command.options.map((option) => option.long));
  const given = program.options.find(
    (option) => !own.has(option.long) && program.getOptionValueSource(option.attributeName()) === "cli",
  );
  if (given !== undefined) {
    throw new UsageError(
      `diag520 ${command.name()} does not take ${given.long ?? given.flags}; diag520 help ${command.name()} lists its options`,
    );
  }
}

export function toDiagnoseCommand(targetInput: string, raw: RawOptions): Extract<ParsedCommand, { kind: "diagnose" }> {
  const target = parseTarget(targetInput, COMMANDS);
  const origin = raw.origin === undefined ? null : parseOrigin(raw.origin);
  const scheme = agree("scheme", [
    ["the URL", target.scheme],
    ["--scheme", raw.scheme === undefined ? null : parseScheme(raw.scheme)],
  ]);
  const port = agree("port", [
    ["the URL", target.port],
    ["--origin", origin?.port ?? null],
    ["--port", raw.port === undefined ? null : parsePort(raw.port)],
  ]);
  const path = agree("path", [
    ["the URL", target.path === null ? null : parsePath(target.path)],
    ["--path", raw.path === undefined ? null : parsePath(raw.path)],
  ]);
  const zone = parseModeAndScheme(raw.sslMode, scheme, target.scheme !== null ? "the URL" : "--scheme");
  const effectiveScheme = zone.scheme;
  const request: DiagnoseRequest = {
    hostname: target.hostname.ascii,
    displayHostname: target.hostname.display,
    origin: origin?.host ?? null,
    scheme: effectiveScheme,
    port: port ?? (effectiveScheme === "https" ? 443 : 80),
    path: path ?? "/",
    method: parseMethod(raw.method ?? "GET"),
    headers: (raw.header ?? []).map(parseHeader),
    userAgent: parseUserAgent(raw.userAgent ?? DEFAULTS.userAgent),
    hostHeader: raw.hostHeader === undefined ? null : parseHostHeader(raw.hostHeader),
    edgeHeaders: raw.edgeHeaders,
    sslMode: zone.sslMode,
    http2ToOrigin: raw.h2 !== false,
  };
  const options: DiagnoseSettings = {
    timeoutMs: raw.timeout === undefined ? DEFAULTS.timeoutMs : parseSeconds(raw.timeout, "--timeout"),
    maxTimeMs: raw.maxTime === undefined ? null : parseSeconds(raw.maxTime, "--max-time"),
    maxHeaderSize:
      raw.maxHeaderSize === undefined
        ? DEFAULTS.maxHeaderSize
        : parseByteCount(raw.maxHeaderSize, "--max-header-size", 16 * 1024 * 1024),
    maxBodyBytes:
      raw.maxBody === undefined ? DEFAULTS.maxBodyBytes : parseByteCount(raw.maxBody, "--max-body", 1024 * 1024 * 1024),
    extraCaPem: raw.caFile === undefined ? [] : readCaFile(raw.caFile),
    dnsServers: raw.dnsServer === undefined || raw.dnsServer === "" ? [] : [parseDnsServer(raw.dnsServer)],
    redact: raw.redact === false ? null : Array.isArray(raw.redact) ? raw.redact : [],
    certWarnDays: raw.certWarnDays === undefined ? DEFAULTS.certWarnDays : parseCertWarnDays(raw.certWarnDays),
    edge: edgeChoice(raw, target.scheme ?? "https"),
  };
  const format = singleRunFormat(raw);
  const output: OutputChoice = {
    json: format === "json",
    color: raw.color,
    verbose: raw.verbose === true,
    harPath: raw.har ?? null,
    reportPath: raw.report ?? null,
    caFile: raw.caFile ?? null,
    format,
    metricsPath: metricsPath(raw),
  };
  return { kind: "diagnose", request, options, output, series: parseSeriesPlan(raw) };
}

function edgeChoice(raw: RawOptions, scheme: "http" | "https"): EdgeChoice {
  if (raw.edge === false && raw.edgeAddress !== undefined) {
    throw new UsageError("--no-edge and --edge-address contradict each other: give one");
  }
  if (raw.edge === false && raw.edgeCache === true) {
    throw new UsageError("--no-edge and --edge-cache contradict each other: give one");
  }
  return {
    mode: raw.edge === false ? "off" : "auto",
    address: raw.edgeAddress === undefined ? null : parseEdgeAddress(raw.edgeAddress),
    keepCache: raw.edgeCache === true,
    scheme,
  };
}

/** One value from wherever the user gave it; two different ones are a contradiction, not a choice. */
function agree<T>(what: string, sources: ReadonlyArray<readonly [string, T | null]>): T | null {
  const given = sources.filter((source): source is readonly [string, T] => source[1] !== null);
  const first = given[0];
  const other = given.find((source) => source[1] !== first?.[1]);
  if (first !== undefined && other !== undefined) {
    throw new UsageError(
      `${first[0]} says ${what} ${String(first[1])} but ${other[0]} says ${String(other[1])}: give one`,
    );
  }
  return first?.[1] ?? null;
}
