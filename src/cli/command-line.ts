/**
 * The command line, parsed into what to do: a pure function of the arguments and the
 * environment (no output, no exit), so that every rejected input can be tested in-process and
 * the binary is spawned only for the wiring. Bad input throws a UsageError with one line.
 */
import { Command, CommanderError, Option } from "commander";
import { UsageError } from "../errors.js";
import {
  parseByteCount,
  parseDnsServer,
  parseHeader,
  parseMethod,
  parseOrigin,
  parsePath,
  parsePort,
  parseSeconds,
  parseUserAgent,
} from "../input/arguments.js";
import { readCaFile } from "../input/ca-file.js";
import { parseHostname } from "../input/hostname.js";
import { describeCommanderError } from "../input/usage-message.js";
import { parseCertWarnDays, parseModeAndScheme } from "../input/zone-settings.js";
import { DEFAULTS, type DiagnoseOptions, type DiagnoseRequest } from "../options.js";
import { VERSION } from "../version.js";

/** Where the run's outputs go, as the user asked. */
export interface OutputChoice {
  readonly json: boolean;
  /** true for --color, false for --no-color, undefined for neither. */
  readonly color: boolean | undefined;
  readonly harPath: string | null;
  readonly reportPath: string | null;
}

export type DiagnoseSettings = Omit<DiagnoseOptions, "signal" | "onPhaseStart">;

export type ParsedCommand =
  | {
      readonly kind: "diagnose";
      readonly request: DiagnoseRequest;
      readonly options: DiagnoseSettings;
      readonly output: OutputChoice;
    }
  | { readonly kind: "schema" }
  | { readonly kind: "lab"; readonly demo: boolean; readonly json: boolean }
  /** --help or --version: the text to print, exit 0. */
  | { readonly kind: "print"; readonly text: string };

interface RawOptions {
  origin?: string;
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
  json?: boolean;
  color?: boolean;
  har?: string;
  report?: string;
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
  diag520 example.com --origin 203.0.113.7 --json | jq .verdict
  diag520 example.com --origin 2001:db8::7 --path /login --header 'Cookie: a=b'
  diag520 example.com --origin 203.0.113.7 --scheme http   as SSL mode Flexible (port 80)
  diag520 lab                                              start the lab of broken origins
  diag520 schema                                           the JSON Schema of --json output

Exit codes: 0 nothing that would make the CDN fail, 1 at least one error finding,
2 usage or input error, 3 internal error, 130 interrupted.
Environment: DIAG520_DNS_SERVER (as --dns-server), NO_COLOR, FORCE_COLOR, CI.`;

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];
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
  const program = buildProgram({
    diagnose: (hostname, raw) => {
      parsed = toDiagnoseCommand(hostname, raw);
    },
    schema: () => {
      parsed = { kind: "schema" };
    },
    lab: (demo, json) => {
      parsed = { kind: "lab", demo, json };
    },
  });
  program.configureOutput({ writeOut: (text) => (printed += text), writeErr: () => {}, outputError: () => {} });
  // The environment is an argument (not commander's own `.env()`, which reads the global one).
  const envValue = env.DIAG520_DNS_SERVER;
  try {
    await program.parseAsync(withEnv(argv, envValue), { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (["commander.helpDisplayed", "commander.version", "commander.help"].includes(error.code)) {
        return { kind: "print", text: printed };
      }
      throw new UsageError(describeCommanderError(error.code, error.message));
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
  const isSubcommand = first === "schema" || first === "lab";
  if (given || isSubcommand || dnsServer === undefined || dnsServer === "") return [...argv];
  return [...argv, "--dns-server", dnsServer];
}

interface Actions {
  diagnose(hostname: string, raw: RawOptions): void;
  schema(): void;
  lab(demo: boolean, json: boolean): void;
}

function buildProgram(actions: Actions): Command {
  const program = new Command()
    .name("diag520")
    .description("Tells you why Cloudflare answers 520 (or 521-526) for your site, and what to fix.")
    .argument("<hostname>", "the site's hostname, as visitors type it (sent as SNI and Host)")
    .option("--origin <address>", "origin IPv4/IPv6 address or name (default: the hostname's own DNS answer)")
    .option("--port <n>", "origin port (default: 443 for https, 80 for http)")
    .option("--scheme <scheme>", "http or https, as the CDN's SSL mode talks to the origin (default: https)")
    .option("--path <path>", "request path (default: /)")
    .option("--method <method>", "request method (default: GET)")
    .option("--header <header>", "extra request header 'Name: value' (repeatable)", collect)
    .option("--user-agent <ua>", "User-Agent header (default: diag520's own)")
    .option("--timeout <seconds>", "deadline for each phase, decimals allowed (default: 10)")
    .option("--max-time <seconds>", "deadline for the whole run")
    .option(
      "--max-header-size <bytes>",
      `response header block size that counts as too large (default: ${DEFAULTS.maxHeaderSize})`,
    )
    .option("--max-body <bytes>", `response body bytes read before stopping (default: ${DEFAULTS.maxBodyBytes})`)
    .option("--ca-file <pem>", "extra trusted CA certificates (PEM), as a custom origin trust store")
    .option(
      "--ssl-mode <mode>",
      "the zone's SSL mode: off, flexible (plain HTTP to port 80), full, strict (TLS to 443) (default: strict)",
    )
    .option("--no-h2", "HTTP/2 to Origin is off at the CDN: offer only http/1.1, as the edge then does")
    .option(
      "--cert-warn-days <days>",
      `warn about a certificate that expires within this many days (default: ${DEFAULTS.certWarnDays})`,
    )
    .addOption(new Option("--dns-server <address>", "DNS server to ask, ip[:port] (env: DIAG520_DNS_SERVER)"))
    .option("--json", "print one JSON document on stdout (see: diag520 schema)")
    .option("--har <file>", "write an HTTP Archive (HAR 1.2) of the requests made; - for stdout")
    .option("--report <file>", "write a Markdown report to attach to a support ticket; - for stdout")
    .option(
      "--redact <name>",
      "also redact this header's values (repeatable; Authorization, Proxy-Authorization, Cookie and Set-Cookie always are)",
      collectRedactions,
    )
    .option("--no-redact", "show Authorization, Cookie and Set-Cookie values instead of [REDACTED]")
    .option("--color", "force colour")
    .option("--no-color", "no colour")
    .version(VERSION, "-V, --version")
    .addHelpText("after", EXAMPLES)
    .showSuggestionAfterError(true)
    .exitOverride()
    .action((hostname: string, raw: RawOptions) => actions.diagnose(hostname, raw));

  program
    .command("schema")
    .description("print the JSON Schema of the --json output")
    .action(() => actions.schema());

  program
    .command("lab")
    .description("start the lab of misbehaving origins on loopback and print how to diagnose each")
    .option("--demo", "diagnose every lab origin in turn, then stop")
    // `diag520 lab --json` is parsed as the program's own --json: read it from there.
    .action((raw: { demo?: boolean }, command: Command) =>
      actions.lab(raw.demo === true, command.optsWithGlobals<{ json?: boolean }>().json === true),
    );
  return program;
}

function toDiagnoseCommand(hostnameInput: string, raw: RawOptions): ParsedCommand {
  const hostname = parseHostname(hostnameInput);
  const { scheme, sslMode } = parseModeAndScheme(raw.sslMode, raw.scheme);
  const request: DiagnoseRequest = {
    hostname: hostname.ascii,
    displayHostname: hostname.display,
    origin: raw.origin === undefined ? null : parseOrigin(raw.origin),
    scheme,
    port: raw.port === undefined ? (scheme === "https" ? 443 : 80) : parsePort(raw.port),
    path: parsePath(raw.path ?? "/"),
    method: parseMethod(raw.method ?? "GET"),
    headers: (raw.header ?? []).map(parseHeader),
    userAgent: parseUserAgent(raw.userAgent ?? DEFAULTS.userAgent),
    sslMode,
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
  };
  const output: OutputChoice = {
    json: raw.json === true,
    color: raw.color,
    harPath: raw.har ?? null,
    reportPath: raw.report ?? null,
  };
  return { kind: "diagnose", request, options, output };
}
