/**
 * Apache (mod_http2), Caddy and h2o, each run in the foreground on one loopback port with TLS and
 * HTTP/2 on, serving one static answer: real HTTP/2 origins for the tests that check a healthy
 * one stays healthy. Each says why when its binary is not installed (CI installs them: .ci/run),
 * and the tests then skip with that reason. As root, Apache and h2o drop to `nobody` after reading
 * their keys, so the private directory is opened to it (its files are test certificates).
 */
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ServerUnavailable } from "./nginx.js";
import { findExecutable, type RunningServer, startServerProcess } from "./server-process.js";

export type H2WebServerStart = { readonly available: true; readonly server: RunningServer } | ServerUnavailable;

export interface H2WebServerOptions {
  /** The site's name (Host, SNI). */
  readonly hostname: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** The body served at `/`. */
  readonly body: string;
}

export interface H2WebServer {
  readonly name: string;
  locate(): Promise<{ readonly path: string } | ServerUnavailable>;
  start(options: H2WebServerOptions): Promise<H2WebServerStart>;
}

const isRoot = process.getuid?.() === 0;
const START_LIMIT_MS = 15_000;
const APACHE_MODULES = "/usr/lib/apache2/modules";

async function locate(name: string, candidates: readonly string[], versionArgs: readonly string[], pkg: string) {
  const path = await findExecutable(candidates, versionArgs);
  return path === null
    ? ({ available: false, reason: `${name} is not installed (apt-get install ${pkg})` } as const)
    : { path };
}

/** The certificate, the key and the document root, under the prefix. */
function siteFiles(options: H2WebServerOptions): Record<string, string> {
  return { "cert.pem": options.certPem, "key.pem": options.keyPem, "www/index.html": options.body };
}

export const APACHE: H2WebServer = {
  name: "Apache",
  locate: () => locate("apache2", ["apache2", "/usr/sbin/apache2"], ["-v"], "apache2"),
  async start(options) {
    const located = await this.locate();
    if (!("path" in located)) return located;
    const server = await startServerProcess({
      binary: located.path,
      name: "apache",
      portCount: 1,
      files: siteFiles(options),
      startLimitMs: START_LIMIT_MS,
      configure: async ([port], prefix) => {
        if (isRoot) await chmod(prefix, 0o755);
        const at = (name: string) => join(prefix, name);
        const conf = at("apache.conf");
        await writeFile(
          conf,
          [
            `ServerRoot ${prefix}`,
            `PidFile ${at("apache.pid")}`,
            `DefaultRuntimeDir ${prefix}`,
            `Mutex file:${prefix} default`,
            // Not /dev/stderr: the test's pipe is a socket, which cannot be opened by name (ENXIO).
            `ErrorLog ${at("error.log")}`,
            "LogLevel warn",
            // HTTP/2 needs a threaded MPM: mod_http2 refuses to serve h2 under prefork.
            ...["mpm_event", "authz_core", "dir", "ssl", "http2"].map(
              (module) => `LoadModule ${module}_module ${APACHE_MODULES}/mod_${module}.so`,
            ),
            ...(isRoot ? ["User nobody", "Group nogroup"] : []),
            `ServerName ${options.hostname}`,
            `Listen 127.0.0.1:${port} https`,
            `<VirtualHost 127.0.0.1:${port}>`,
            `  ServerName ${options.hostname}`,
            "  Protocols h2 http/1.1",
            "  SSLEngine on",
            `  SSLCertificateFile ${at("cert.pem")}`,
            `  SSLCertificateKeyFile ${at("key.pem")}`,
            `  DocumentRoot ${at("www")}`,
            `  <Directory ${at("www")}>`,
            "    Require all granted",
            "  </Directory>",
            "</VirtualHost>",
            "",
          ].join("\n"),
        );
        return ["-DFOREGROUND", "-f", conf];
      },
    });
    return { available: true, server };
  },
};

export const CADDY: H2WebServer = {
  name: "Caddy",
  locate: () => locate("caddy", ["caddy", "/usr/bin/caddy"], ["version"], "caddy"),
  async start(options) {
    const located = await this.locate();
    if (!("path" in located)) return located;
    const server = await startServerProcess({
      binary: located.path,
      name: "caddy",
      portCount: 1,
      files: siteFiles(options),
      startLimitMs: START_LIMIT_MS,
      // Caddy keeps its state under XDG_DATA_HOME / XDG_CONFIG_HOME (or HOME): all in the prefix.
      env: (prefix) => ({ HOME: prefix, XDG_DATA_HOME: join(prefix, "data"), XDG_CONFIG_HOME: join(prefix, "config") }),
      configure: async ([port], prefix) => {
        const at = (name: string) => join(prefix, name);
        const conf = at("Caddyfile");
        await writeFile(
          conf,
          [
            "{",
            "\tadmin off",
            "\tauto_https off",
            `\tstorage file_system ${at("storage")}`,
            // No HTTP/3: it would bind a UDP port of its own.
            "\tservers {",
            "\t\tprotocols h1 h2",
            "\t}",
            "}",
            `https://${options.hostname}:${port} {`,
            "\tbind 127.0.0.1",
            `\ttls ${at("cert.pem")} ${at("key.pem")}`,
            `\troot * ${at("www")}`,
            "\tfile_server",
            "}",
            "",
          ].join("\n"),
        );
        return ["run", "--config", conf, "--adapter", "caddyfile"];
      },
    });
    return { available: true, server };
  },
};

export const H2O: H2WebServer = {
  name: "h2o",
  locate: () => locate("h2o", ["h2o", "/usr/bin/h2o", "/usr/sbin/h2o"], ["--version"], "h2o"),
  async start(options) {
    const located = await this.locate();
    if (!("path" in located)) return located;
    const server = await startServerProcess({
      binary: located.path,
      name: "h2o",
      portCount: 1,
      files: siteFiles(options),
      startLimitMs: START_LIMIT_MS,
      configure: async ([port], prefix) => {
        if (isRoot) await chmod(prefix, 0o755);
        const at = (name: string) => join(prefix, name);
        const conf = at("h2o.conf");
        await writeFile(
          conf,
          [
            // As root h2o must be told whom to run as.
            ...(isRoot ? ["user: nobody"] : []),
            "listen:",
            "  host: 127.0.0.1",
            `  port: ${port}`,
            "  ssl:",
            `    certificate-file: ${at("cert.pem")}`,
            `    key-file: ${at("key.pem")}`,
            // The test certificates name no OCSP responder: do not try to staple.
            "    ocsp-update-interval: 0",
            "hosts:",
            `  "${options.hostname}:${port}":`,
            "    paths:",
            "      /:",
            `        file.dir: ${at("www")}`,
            "",
          ].join("\n"),
        );
        return ["-c", conf];
      },
    });
    return { available: true, server };
  },
};
