/**
 * The command line: the only file that touches `process` (STYLE.md §1). It parses the arguments
 * (cli/command-line.ts), owns the signals and the output streams, hands a validated request to
 * `diagnose()`, prints exactly one report on stdout, and turns the outcome into an exit code
 * (cli/exit-code.ts).
 */
import { rmSync } from "node:fs";
import { arch, hostname, release, type } from "node:os";
import { fileURLToPath } from "node:url";
import { type ParsedCommand, parseCommandLine } from "./cli/command-line.js";
import { EXIT } from "./cli/exit-code.js";
import { UsageError } from "./errors.js";
import { toOneLine } from "./input/usage-message.js";
import type { ErrorDocument } from "./report/schema.js";
import { SCHEMA_VERSION } from "./report/schema-version.js";
import { stringifyJsonForTerminal } from "./text/escape.js";
import { VERSION } from "./version.js";

export async function main(argv: readonly string[]): Promise<void> {
  const wantsJson = argv.includes("--json");
  stopQuietlyOnClosedStdout();
  try {
    const command = await parseCommandLine(argv, process.env);
    process.exitCode = await run(command);
  } catch (err) {
    if (err instanceof UsageError) failUsage(err.message, wantsJson);
    else failInternal(err, wantsJson);
  }
}

async function run(command: ParsedCommand): Promise<number> {
  switch (command.kind) {
    case "print":
      process.stdout.write(command.text);
      return EXIT.ok;
    case "version":
      process.stdout.write(`${VERSION}\n`);
      return EXIT.ok;
    case "schema": {
      const { outputJsonSchema } = await import("./report/schema.js");
      process.stdout.write(`${JSON.stringify(outputJsonSchema(), null, 2)}\n`);
      return EXIT.ok;
    }
    case "lab": {
      const { runLabCommand } = await import("./lab/lab-command.js");
      const controller = new AbortController();
      process.once("SIGINT", () => controller.abort());
      process.once("SIGTERM", () => controller.abort());
      return runLabCommand({
        demo: command.demo,
        json: command.json,
        stdout: process.stdout,
        stderr: process.stderr,
        signal: controller.signal,
        cliPath: fileURLToPath(new URL("../../bin/diag520.js", import.meta.url)),
        execPath: process.execPath,
        // An exit through a closed stdout skips close(): the CA's temporary directory goes then.
        onStarted: (lab) => process.once("exit", () => rmSync(lab.directory, { recursive: true, force: true })),
      });
    }
    case "serve": {
      const { runServe } = await import("./serve/run-serve.js");
      // SIGINT or SIGTERM: stop gracefully; a second one: leave now.
      const controller = new AbortController();
      const onStop = () => {
        if (controller.signal.aborted) process.exit(EXIT.interrupted);
        controller.abort();
      };
      process.on("SIGINT", onStop);
      process.on("SIGTERM", onStop);
      try {
        return await runServe(command.settings, {
          stderr: process.stderr,
          signal: controller.signal,
          processStats: () => {
            const cpu = process.cpuUsage();
            return {
              residentBytes: process.memoryUsage.rss(),
              heapUsedBytes: process.memoryUsage().heapUsed,
              cpuSeconds: (cpu.user + cpu.system) / 1e6,
              startTimeSeconds: Math.round(Date.now() / 1000 - process.uptime()),
            };
          },
        });
      } finally {
        process.off("SIGINT", onStop);
        process.off("SIGTERM", onStop);
      }
    }
    case "batch": {
      const { runBatchCommand } = await import("./cli/run-batch.js");
      // As for one diagnosis: the first Ctrl-C stops the batch with what finished, a second one leaves now.
      return withInterrupt((signal) =>
        runBatchCommand(command, {
          stdin: process.stdin,
          stdout: process.stdout,
          stderr: process.stderr,
          env: process.env,
          signal,
          hostname: hostname(),
        }),
      );
    }
    case "diagnose": {
      const { runDiagnosis } = await import("./cli/run-diagnosis.js");
      // First Ctrl-C: stop the legs, close the sockets, print what we have. A second one: leave now.
      return withInterrupt((signal) =>
        runDiagnosis(command, {
          stdout: process.stdout,
          stderr: process.stderr,
          env: process.env,
          signal,
          machine: { node: process.version, os: `${type()} ${release()} ${arch()}` },
        }),
      );
    }
  }
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

/** Runs `work` with a signal that the first Ctrl-C aborts; a second Ctrl-C leaves at once. */
async function withInterrupt<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    controller.abort();
  };
  process.on("SIGINT", onInterrupt);
  try {
    return await work(controller.signal);
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}
