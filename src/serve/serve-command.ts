/**
 * `diag520 serve`'s command line: registered on the program by cli/command-line.ts, parsed here
 * into settings (pure; the configuration file is read when the exporter starts).
 */
import type { Command } from "commander";
import { UsageError } from "../errors.js";
import { ipFamily } from "../net/ip-literal.js";

export interface ServeSettings {
  readonly configPath: string;
  readonly host: string;
  readonly port: number;
  readonly concurrency: number;
  readonly queueLength: number;
}

export const SERVE_DEFAULTS = { listen: "127.0.0.1:9520", concurrency: 8, queueLength: 32 } as const;

interface RawServeOptions {
  config: string;
  listen?: string;
  concurrency?: string;
  queue?: string;
}

const SERVE_EXAMPLES = `
Examples:
  diag520 serve --config diag520.yml
  curl 'http://127.0.0.1:9520/probe?target=example.com&origin=203.0.113.7&module=https_strict'

Only the targets and origins that the configuration's allow lists name are probed.
SIGINT or SIGTERM stops it: probes in flight answer with what they have, then it exits 0.`;

export function addServeCommand(program: Command, onParsed: (settings: ServeSettings) => void): void {
  program
    .command("serve")
    .description("run a Prometheus exporter of diagnoses (multi-target, as blackbox_exporter)")
    .requiredOption("--config <file>", "modules and allow lists (YAML or JSON; see the README)")
    .option("--listen <host:port>", `address to listen on (default: ${SERVE_DEFAULTS.listen})`)
    .option("--concurrency <n>", `probes that run at once (default: ${SERVE_DEFAULTS.concurrency})`)
    .option("--queue <n>", `probes that may wait for a slot; more get 503 (default: ${SERVE_DEFAULTS.queueLength})`)
    .addHelpText("after", SERVE_EXAMPLES)
    // The program has a --concurrency of its own (a series'), and it reads options wherever they
    // stand, so serve's value may land on the program: read both, serve's first.
    .action((_raw: RawServeOptions, command: Command) =>
      onParsed(toServeSettings(command.optsWithGlobals<RawServeOptions>())),
    );
}

export function toServeSettings(raw: RawServeOptions): ServeSettings {
  const { host, port } = parseListen(raw.listen ?? SERVE_DEFAULTS.listen);
  return {
    configPath: raw.config,
    host,
    port,
    concurrency:
      raw.concurrency === undefined ? SERVE_DEFAULTS.concurrency : count(raw.concurrency, "--concurrency", 1, 1024),
    queueLength: raw.queue === undefined ? SERVE_DEFAULTS.queueLength : count(raw.queue, "--queue", 0, 100_000),
  };
}

/** "127.0.0.1:9520", "[::1]:9520", "localhost:9520", "0.0.0.0:9520" (every interface, said explicitly). */
export function parseListen(input: string): { host: string; port: number } {
  const fail = (why: string): never => {
    throw new UsageError(`invalid --listen '${input}': ${why}`);
  };
  const portOnly = /^:?([0-9]+)$/.exec(input)?.[1];
  // Go's ":9520" means every interface; here binding beyond loopback is said in full.
  if (portOnly !== undefined)
    fail(`give the address too, as in 127.0.0.1:${portOnly} (or 0.0.0.0:${portOnly} for every interface)`);
  const match = /^(?:\[([^\]]*)\]|([^:[\]]+)):([0-9]+)$/.exec(input);
  if (match === null) return fail("give host:port, as in 127.0.0.1:9520 or [::1]:9520");
  const [, v6, other, portText = ""] = match;
  const host = v6 ?? other ?? "";
  if (v6 !== undefined && ipFamily(v6) !== 6) fail(`'${v6}' is not an IPv6 address`);
  if (v6 === undefined && host !== "localhost" && ipFamily(host) !== 4)
    fail("the host must be an IP address (IPv6 in brackets) or localhost");
  const port = Number(portText);
  if (port > 65535 || portText.length > 5) fail("the port must be from 0 to 65535 (0: any free port)");
  return { host, port };
}

function count(input: string, flag: string, min: number, max: number): number {
  if (!/^[0-9]+$/.test(input) || Number(input) < min || Number(input) > max)
    throw new UsageError(`invalid ${flag} '${input}': give a whole number from ${min} to ${max}`);
  return Number(input);
}
