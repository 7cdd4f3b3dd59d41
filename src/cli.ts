/**
 * The command line: the only file that touches `process` (STYLE.md §1). It parses and checks
 * the arguments, hands a validated request to `diagnose()`, prints exactly one report on
 * stdout, and turns the outcome into an exit code (report/exit-code.ts).
 */
import { arch, release, type } from "node:os";
import { fileURLToPath } from "node:url";
import { Command, CommanderError, Option } from "commander";
import { EXIT, exitCodeFor } from "./cli/exit-code.js";
import type { Diagnosis } from "./diagnose.js";
import { UsageError } from "./errors.js";
import {
  parseByteCount,
  parseDnsServer,
  parseHeader,
  parseMethod,
  parseOrigin,
  parsePath,
  parsePort,
  parseScheme,
  parseSeconds,
  parseUserAgent,
} from "./input/arguments.js";
import { readCaFile } from "./input/ca-file.js";
import { parseHostname } from "./input/hostname.js";
import { describeCommanderError, toOneLine } from "./input/usage-message.js";
import { DEFAULTS, type DiagnoseOptions, type DiagnoseRequest } from "./options.js";
import { decideColorLevel } from "./render/color-choice.js";
import type { ErrorDocument, ReportDocument } from "./report/schema.js";
import { SCHEMA_VERSION } from "./report/schema-version.js";
import { stringifyJsonForTerminal } from "./text/escape.js";
import { VERSION } from "./version.js";

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

export async function main(argv: readonly string[]): Promise<void> {
  const wantsJson = argv.includes("--json");
  stopQuietlyOnClosedStdout();
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[], { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") {
        process.exitCode = EXIT.ok;
        return;
      }
      failUsage(describeCommanderError(err.code, err.message), wantsJson);
      return;
    }
    if (err instanceof UsageError) {
      failUsage(err.message, wantsJson);
      return;
    }
    failInternal(err, wantsJson);
  }
}

function buildProgram(): Command {
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
    .addOption(new Option("--dns-server <address>", "DNS server to ask, ip[:port]").env("DIAG520_DNS_SERVER"))
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
    .configureOutput({ writeErr: () => {}, outputError: () => {} })
    .action(async (hostname: string, raw: RawOptions) => {
      await runDiagnosis(hostname, raw);
    });

  program
    .command("schema")
    .description("print the JSON Schema of the --json output")
    .action(async () => {
      const { outputJsonSchema } = await import("./report/schema.js");
      process.stdout.write(`${JSON.stringify(outputJsonSchema(), null, 2)}\n`);
    });

  program
    .command("lab")
    .description("start the lab of misbehaving origins on loopback and print how to diagnose each")
    .option("--demo", "diagnose every lab origin in turn, then stop")
    // `diag520 lab --json` is parsed as the program's own --json: read it from there.
    .action(async (raw: { demo?: boolean }, command: Command) => {
      const json = command.optsWithGlobals<{ json?: boolean }>().json === true;
      const { runLabCommand } = await import("./lab/lab-command.js");
      const controller = new AbortController();
      process.once("SIGINT", () => controller.abort());
      process.once("SIGTERM", () => controller.abort());
      process.exitCode = await runLabCommand({
        demo: raw.demo === true,
        json,
        stdout: process.stdout,
        stderr: process.stderr,
        signal: controller.signal,
        cliPath: fileURLToPath(new URL("../../bin/diag520.js", import.meta.url)),
      });
    });
  return program;
}

function toRequest(hostnameInput: string, raw: RawOptions): DiagnoseRequest {
  const hostname = parseHostname(hostnameInput);
  const scheme = parseScheme(raw.scheme ?? "https");
  return {
    hostname: hostname.ascii,
    displayHostname: hostname.display,
    origin: raw.origin === undefined ? null : parseOrigin(raw.origin),
    scheme,
    port: raw.port === undefined ? (scheme === "https" ? 443 : 80) : parsePort(raw.port),
    path: parsePath(raw.path ?? "/"),
    method: parseMethod(raw.method ?? "GET"),
    headers: (raw.header ?? []).map(parseHeader),
    userAgent: parseUserAgent(raw.userAgent ?? DEFAULTS.userAgent),
  };
}

function toOptions(raw: RawOptions, signal: AbortSignal): DiagnoseOptions {
  return {
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
    signal,
  };
}

async function runDiagnosis(hostnameInput: string, raw: RawOptions): Promise<void> {
  const controller = new AbortController();
  const request = toRequest(hostnameInput, raw);
  const baseOptions = toOptions(raw, controller.signal);
  const artifacts = { harPath: raw.har ?? null, reportPath: raw.report ?? null };
  const ticket =
    artifacts.harPath !== null || artifacts.reportPath !== null
      ? await import("./artifacts/ticket-artifacts.js")
      : null;
  ticket?.checkTicketArtifacts(artifacts, raw.json === true);

  // First Ctrl-C: stop the probes, close the sockets, print what we have. A second one: leave now.
  const onInterrupt = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    controller.abort();
  };
  process.on("SIGINT", onInterrupt);
  const progress = raw.json ? null : await startProgress();
  const options: DiagnoseOptions = {
    ...baseOptions,
    onPhaseStart: (start) => progress?.phase(start.leg === null ? start.phase : `${start.leg} ${start.phase}`),
  };

  let diagnosis: Diagnosis;
  try {
    const { diagnose } = await import("./diagnose.js");
    diagnosis = await diagnose(request, options);
  } finally {
    progress?.stop();
    process.off("SIGINT", onInterrupt);
  }
  const { report } = diagnosis;
  const exitCode = exitCodeFor([report]);
  const artifactText = ticket
    ? await ticket.writeTicketArtifacts(diagnosis, artifacts, {
        version: VERSION,
        node: process.version,
        os: `${type()} ${release()} ${arch()}`,
        nowUtc: new Date().toISOString(),
        exitCode,
      })
    : null;
  // With `--har -` or `--report -` the artefact owns stdout and the report moves to stderr.
  const reportStream = artifactText === null ? process.stdout : process.stderr;
  if (raw.json) {
    const document: ReportDocument = { ...report, exitCode };
    reportStream.write(`${stringifyJsonForTerminal(document, 2)}\n`);
  } else {
    const [{ renderHuman }, { loadStyle }] = await Promise.all([
      import("./render/human.js"),
      import("./render/style.js"),
    ]);
    const level = decideColorLevel({ flag: raw.color, env: process.env, isTTY: reportStream.isTTY === true });
    reportStream.write(renderHuman(report, await loadStyle(level)));
  }
  if (artifactText !== null) process.stdout.write(artifactText);
  process.exitCode = exitCode;
}

interface Progress {
  phase(name: string): void;
  stop(): void;
}

/** A spinner on stderr, only for a person at a terminal (not in CI, not piped). */
async function startProgress(): Promise<Progress | null> {
  // A terminal that reports 0 columns (e.g. under `script` with no tty size) sends ora's line
  // clearing into an endless loop: no spinner there.
  if (process.stderr.isTTY !== true || process.env.CI || !(process.stderr.columns > 0)) return null;
  const { default: ora } = await import("ora");
  const spinner = ora({ stream: process.stderr, text: "starting" }).start();
  return {
    phase: (name) => {
      spinner.text = `${name}…`;
    },
    stop: () => spinner.stop(),
  };
}

function failUsage(message: string, json: boolean): void {
  const line = toOneLine(message);
  process.stderr.write(`diag520: ${line}\n`);
  if (json) writeErrorDocument("usage", line, EXIT.usage);
  process.exitCode = EXIT.usage;
}

function failInternal(err: unknown, json: boolean): void {
  const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`diag520: internal error (a bug; please report it with this trace)\n${stack}\n`);
  if (json) writeErrorDocument("internal", err instanceof Error ? err.message : String(err), EXIT.internal);
  process.exitCode = EXIT.internal;
}

function writeErrorDocument(type: ErrorDocument["error"]["type"], message: string, exitCode: number): void {
  const doc: ErrorDocument = {
    kind: "error",
    schemaVersion: SCHEMA_VERSION,
    tool: { name: "diag520", version: VERSION },
    error: { type, message },
    exitCode,
  };
  process.stdout.write(`${stringifyJsonForTerminal(doc, 2)}\n`);
}

/** `diag520 … | head -1`: the reader went away; stop quietly instead of crashing on EPIPE. */
function stopQuietlyOnClosedStdout(): void {
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? EXIT.ok);
    throw err;
  });
}
