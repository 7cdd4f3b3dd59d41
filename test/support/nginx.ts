/**
 * A private nginx for the end-to-end tests against a real server: its own prefix in a temporary
 * directory (config, pid, temp paths, no root-owned path touched), listening only on loopback
 * ports, run in the foreground as a child of the test so that it dies with it. When nginx is
 * not installed, `startNginx` says so and why, and the tests skip with that reason.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findExecutable, reserveLoopbackPorts, stopChild, waitUntilAccepting } from "./server-process.js";

export interface NginxServer {
  /** The prefix directory: the config, the files the test wrote, nginx's temp paths. */
  readonly prefix: string;
  /** The ports the config was given, in the order asked for. */
  readonly ports: readonly number[];
  /** Everything nginx wrote on stderr so far (its error log), for a failing assertion's message. */
  errorLog(): string;
  stop(): Promise<void>;
}

export type NginxStart = { readonly available: true; readonly server: NginxServer } | NginxUnavailable;
export interface NginxUnavailable {
  readonly available: false;
  readonly reason: string;
}

export interface NginxOptions {
  /** How many loopback ports the config listens on. */
  readonly portCount: number;
  /** Files to write under the prefix first (certificates, a document root), by relative path. */
  readonly files?: Readonly<Record<string, string>>;
  /** The inside of the `http { }` block, given the ports and the prefix directory. */
  readonly httpBlock: (ports: readonly number[], prefix: string) => string;
  /** Hard limit on start-up (nginx exiting, or not accepting in time, fails the start). */
  readonly startLimitMs?: number;
}

const NGINX_CANDIDATES = ["nginx", "/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"];
/** A port taken between our release and nginx's bind is rare; a fresh set of ports is cheap. */
const BIND_ATTEMPTS = 3;

/** Where nginx is, or why it cannot be used here. */
export async function locateNginx(): Promise<{ path: string } | NginxUnavailable> {
  const path = await findExecutable(NGINX_CANDIDATES, ["-v"]);
  return path === null
    ? { available: false, reason: "nginx is not installed (apt-get install nginx-light)" }
    : { path };
}

export async function startNginx(options: NginxOptions): Promise<NginxStart> {
  const located = await locateNginx();
  if (!("path" in located)) return located;
  const prefix = await mkdtemp(join(tmpdir(), "diag520-nginx-"));
  try {
    for (const [relative, content] of Object.entries(options.files ?? {})) {
      await mkdir(join(prefix, relative, ".."), { recursive: true });
      await writeFile(join(prefix, relative), content);
    }
    let lastFailure = "";
    for (let attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
      // nginx has no "listen on port 0 and tell me which port": it must be told a number. So the
      // kernel picks free ports for sockets of ours, which we close just before nginx binds them.
      const ports = await reserveLoopbackPorts(options.portCount);
      const conf = join(prefix, "nginx.conf");
      await writeFile(conf, mainConfig(prefix, options.httpBlock(ports, prefix)));
      const started = await launch(located.path, prefix, conf, ports, options.startLimitMs ?? 15_000);
      if ("server" in started) return { available: true, server: started.server };
      lastFailure = started.failure;
      if (!/Address already in use/i.test(lastFailure)) break;
    }
    throw new Error(`nginx did not start: ${lastFailure}`);
  } catch (error) {
    await rm(prefix, { recursive: true, force: true });
    throw error;
  }
}

/** The main context: everything that would default to a root-owned path is moved under the prefix. */
function mainConfig(prefix: string, httpBlock: string): string {
  const at = (name: string) => join(prefix, name);
  return [
    "worker_processes 1;",
    // As root, nginx would run its worker as `nobody`, which cannot enter a 0700 temp directory.
    process.getuid?.() === 0 ? "user root;" : "",
    "events { worker_connections 64; }",
    "http {",
    "  access_log off;",
    `  client_body_temp_path ${at("client_body")};`,
    `  proxy_temp_path ${at("proxy")};`,
    `  fastcgi_temp_path ${at("fastcgi")};`,
    `  uwsgi_temp_path ${at("uwsgi")};`,
    `  scgi_temp_path ${at("scgi")};`,
    httpBlock,
    "}",
    "",
  ].join("\n");
}

type Launched = { server: NginxServer } | { failure: string };

async function launch(
  nginx: string,
  prefix: string,
  conf: string,
  ports: readonly number[],
  limitMs: number,
): Promise<Launched> {
  const directives = `daemon off; master_process on; pid ${join(prefix, "nginx.pid")}; error_log stderr notice;`;
  // -e (nginx ≥ 1.19.5): the log used before the config is read, else the compiled-in path.
  const child = spawn(nginx, ["-p", prefix, "-e", "stderr", "-c", conf, "-g", directives], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const stderr: Buffer[] = [];
  child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
  const errorLog = () => Buffer.concat(stderr).toString("utf8");
  const exited = new Promise<string>((resolve) => {
    child.once("error", (error) => resolve(`could not run ${nginx}: ${error.message}`));
    child.once("exit", (code, signal) => resolve(`nginx exited (${signal ?? code}): ${errorLog()}`));
  });
  const ready = waitUntilAccepting(ports, AbortSignal.timeout(limitMs)).then(
    () => null,
    (error: Error) => `nginx did not accept connections within ${limitMs} ms (${error.message}): ${errorLog()}`,
  );
  const failure = await Promise.race([exited, ready]);
  if (failure !== null) {
    await stopChild(child);
    return { failure };
  }
  return {
    server: {
      prefix,
      ports,
      errorLog,
      stop: async () => {
        await stopChild(child);
        await rm(prefix, { recursive: true, force: true });
      },
    },
  };
}
