/**
 * A private nginx for the end-to-end tests against a real server: its own prefix in a temporary
 * directory (config, pid, temp paths: no root-owned path is touched), listening only on
 * loopback. When nginx is not installed, `startNginx` says so, and the tests skip with that reason.
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { findExecutable, type RunningServer, startServerProcess } from "./server-process.js";

export type NginxServer = RunningServer;
export type NginxStart = { readonly available: true; readonly server: NginxServer } | ServerUnavailable;
export interface ServerUnavailable {
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
  readonly startLimitMs?: number;
}

/** Debian and most distributions put nginx in /usr/sbin, which a non-root PATH may lack. */
const NGINX_CANDIDATES = ["nginx", "/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"];

/** Where nginx is, or why it cannot be used here. */
export async function locateNginx(): Promise<{ readonly path: string } | ServerUnavailable> {
  const path = await findExecutable(NGINX_CANDIDATES, ["-v"]);
  return path === null
    ? { available: false, reason: "nginx is not installed (apt-get install nginx-light)" }
    : { path };
}

/** nginx's version as [major, minor, patch], from `nginx -v` (which prints it on stderr). */
export function nginxVersion(path: string): Promise<readonly [number, number, number]> {
  return new Promise((resolve, reject) => {
    execFile(path, ["-v"], (error, stdout, stderr) => {
      const match = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(`${stdout}${stderr}`);
      if (error !== null || match === null) reject(error ?? new Error(`no version in: ${stderr}`));
      else resolve([Number(match[1]), Number(match[2]), Number(match[3])]);
    });
  });
}

/**
 * How a `server` block turns HTTP/2 on for a TLS listener: `http2 on;` from nginx 1.25.1, the
 * `http2` parameter of `listen` before (deprecated since).
 */
export function http2Directives(version: readonly [number, number, number]): {
  readonly listenParameter: string;
  readonly directive: string;
} {
  const [major, minor, patch] = version;
  const modern = major > 1 || (major === 1 && (minor > 25 || (minor === 25 && patch >= 1)));
  return modern ? { listenParameter: "", directive: "http2 on;" } : { listenParameter: " http2", directive: "" };
}

export async function startNginx(options: NginxOptions): Promise<NginxStart> {
  const located = await locateNginx();
  if (!("path" in located)) return located;
  const server = await startServerProcess({
    binary: located.path,
    name: "nginx",
    portCount: options.portCount,
    files: options.files ?? {},
    startLimitMs: options.startLimitMs ?? 15_000,
    configure: async (ports, prefix) => {
      const conf = join(prefix, "nginx.conf");
      await writeFile(conf, mainConfig(prefix, options.httpBlock(ports, prefix)));
      const directives = `daemon off; pid ${join(prefix, "nginx.pid")}; error_log stderr notice;`;
      // -e (nginx ≥ 1.19.5): the log used before the config is read, instead of the compiled-in path.
      return ["-p", prefix, "-e", "stderr", "-c", conf, "-g", directives];
    },
  });
  return { available: true, server };
}

/** The main context: everything that would default to a root-owned path is moved under the prefix. */
function mainConfig(prefix: string, httpBlock: string): string {
  const at = (name: string) => join(prefix, name);
  return [
    "worker_processes 1;",
    // As root, nginx runs its worker as `nobody`, which cannot enter the 0700 temporary directory.
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
