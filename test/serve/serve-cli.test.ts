/**
 * `diag520 serve` as a user starts it: the command line parsed in-process, then the real binary
 * started on a free loopback port, probed over HTTP, and stopped with SIGINT and SIGTERM (exit
 * 0, after answering the probe in flight); a bad configuration file is exit 2 with one line.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { parseCommandLine } from "../../src/cli/command-line.js";
import { UsageError } from "../../src/errors.js";
import { type Lab, startLab } from "../../src/lab/lab.js";
import { repoRoot } from "../support/paths.js";
import { parseExposition, sampleValue } from "../support/prometheus-text.js";
import { runCli } from "../support/run-cli.js";

test("serve: the command line gives the settings, with the loopback default", async () => {
  assert.deepEqual(await parseCommandLine(["serve", "--config", "c.yml"], {}), {
    kind: "serve",
    settings: { configPath: "c.yml", host: "127.0.0.1", port: 9520, concurrency: 8, queueLength: 32 },
  });
  const parsed = await parseCommandLine(
    ["serve", "--config", "c.yml", "--listen", "[::1]:0", "--concurrency", "2", "--queue", "0"],
    { DIAG520_DNS_SERVER: "127.0.0.1:53" },
  );
  assert.deepEqual(parsed, {
    kind: "serve",
    settings: { configPath: "c.yml", host: "::1", port: 0, concurrency: 2, queueLength: 0 },
  });
});

for (const [args, message] of [
  [["serve"], "required option '--config <file>' not specified"],
  [["serve", "--config", "c.yml", "--listen", ":9520"], "invalid --listen ':9520': give the address too"],
  [["serve", "--config", "c.yml", "--concurrency", "many"], "invalid --concurrency 'many'"],
  [["serve", "--config", "c.yml", "extra"], "too many arguments for 'serve'"],
] as const) {
  test(`serve: ${args.join(" ")} is a usage error`, async () => {
    await assert.rejects(parseCommandLine(args, {}), (error: unknown) => {
      assert.ok(error instanceof UsageError, String(error));
      assert.ok(error.message.includes(message), error.message);
      return true;
    });
  });
}

test("serve --help says how to use it", async () => {
  const parsed = await parseCommandLine(["serve", "--help"], {});
  assert.equal(parsed.kind, "print");
  assert.match(parsed.kind === "print" ? parsed.text : "", /--listen <host:port>.*127\.0\.0\.1:9520/s);
});

test("the README's usage of serve is the real serve --help", async () => {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const block = /```\n(Usage: diag520 serve \[options\]\n[\s\S]*?)```/.exec(readme)?.[1];
  const parsed = await parseCommandLine(["serve", "--help"], {});
  assert.equal(parsed.kind === "print" ? parsed.text : "", block);
});

/** Resolves with the exporter's URL once the child says where it listens. */
function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      const url = /listening on (http:\/\/\S+)/.exec(seen)?.[1];
      if (url !== undefined) resolve(url);
    });
    child.once("exit", () => reject(new Error(`the exporter exited before listening: ${seen}`)));
  });
}

describe("the diag520 serve binary", () => {
  let lab: Lab;
  let directory: string;
  let configPath: string;

  before(async () => {
    lab = await startLab({ only: ["empty-reply", "response-timeout"] });
    directory = await mkdtemp(join(tmpdir(), "diag520-serve-cli-"));
    configPath = join(directory, "diag520.yml");
    const modules = lab.origins
      .map(
        (running) =>
          `  ${running.origin.name}:\n    scheme: http\n    port: ${running.port}\n    dnsServers: ["${lab.dnsServer}"]\n`,
      )
      .join("");
    await writeFile(
      configPath,
      `modules:\n${modules}allow:\n  targets: ["*.lab.diag520.test"]\n  origins: [127.0.0.1/32]\n`,
    );
  });

  after(async () => {
    await lab.close();
    await rm(directory, { recursive: true, force: true });
  });

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    test(`starts on a free port, answers /probe, and ${signal} stops it after the probe in flight answers`, async () => {
      let probe: Promise<Response> | null = null;
      let probed: Response | null = null;
      const result = await runCli(["serve", "--config", configPath, "--listen", "127.0.0.1:0"], {
        limitMs: 20_000,
        onSpawn: (child) => {
          void listeningUrl(child).then(async (url) => {
            probed = await fetch(
              `${url}/probe?target=empty-reply.lab.diag520.test&origin=127.0.0.1&module=empty-reply`,
            );
            // One probe left in flight on an origin that never answers, then the signal.
            probe = fetch(
              `${url}/probe?target=response-timeout.lab.diag520.test&origin=127.0.0.1&module=response-timeout`,
            );
            for (;;) {
              const own = await (await fetch(`${url}/metrics`)).text();
              if (sampleValue(parseExposition(own), "diag520_exporter_probes_in_flight") === 1) break;
              await delay(10);
            }
            child.kill(signal);
          });
        },
      });
      assert.equal(result.killedAfterLimit, false, result.stderr);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, "");
      assert.match(
        result.stderr,
        /^diag520 serve: listening on http:\/\/127\.0\.0\.1:\d+ \(modules: empty-reply, response-timeout\)\ndiag520 serve: stopping\n$/,
      );
      const first = probed as Response | null;
      assert.equal(first?.status, 200);
      const inFlight = await (probe as Promise<Response> | null);
      assert.equal(inFlight?.status, 200);
      const metrics = parseExposition((await inFlight?.text()) ?? "");
      assert.equal(sampleValue(metrics, "diag520_complete"), 0, "cut short by the stop");
    });
  }

  test("a bad configuration file: exit 2, one line naming the line and the setting, nothing listening", async () => {
    const bad = join(directory, "bad.yml");
    await writeFile(bad, "modules:\n  m:\n    port: 99999\nallow:\n  targets: [a.example]\n  origins: [127.0.0.1]\n");
    const result = await runCli(["serve", "--config", bad, "--listen", "127.0.0.1:0"]);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.equal(
      result.stderr,
      `diag520: invalid config file '${bad}': line 3: modules.m.port: Too big: expected number to be <=65535\n`,
    );
  });
});
