/**
 * The real binary against real servers configured to misbehave the ways origins do in the
 * wild: one nginx with a `server` block per fault, one HAProxy with a frontend per fault, each
 * on its own loopback port, and for each the --json document's error codes, the warnings that
 * must be there, and the exit code. Where a server proxies, the upstream is a small loopback
 * server of ours that sends bad bytes, so the test shows what the proxy itself then sends (its
 * own 502/504 pages, which the CDN passes on). Each group skips with the reason when its server
 * is not installed (CI installs both: .ci/run).
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseCommandLine } from "../../src/cli/command-line.js";
import { exitCodeFor } from "../../src/cli/exit-code.js";
import { diagnose } from "../../src/diagnose.js";
import type { FindingCode } from "../../src/findings/catalogue.js";
import { generateLabCertificates } from "../../src/lab/certificates.js";
import { type DnsServer, startDnsServer } from "../../src/lab/dns-server.js";
import { rawResponse } from "../../src/lab/lab-origins.js";
import { type ListeningServer, releasedPort, startPlainServer } from "../../src/lab/lab-servers.js";
import { outputDocumentSchema, type Report, type ReportDocument } from "../../src/report/schema.js";
import { APACHE, CADDY, H2O, type H2WebServer } from "../support/h2-web-servers.js";
import { type HaproxyServer, locateHaproxy, startHaproxy } from "../support/haproxy.js";
import { http2Directives, locateNginx, type NginxServer, nginxVersion, startNginx } from "../support/nginx.js";
import { phaseOf } from "../support/report-phases.js";

const HOST = "www.real-servers.diag520.test";
/** The hostname resolves into the CDN's ranges (FACTS.md), as a proxied site's does; nothing is sent there. */
const CDN_ADDRESS = "104.16.0.1";
/** A test fails after this (a hang is a failure, not a wait): nginx's 504 takes its 1 s proxy_read_timeout, everything else well under. */
const RUN_LIMIT_MS = 45_000;
const KIB = 1024;

/** Ports of the loopback upstreams that nginx and HAProxy proxy to. */
interface Upstreams {
  readonly invalidHeader: number;
  readonly closesAtOnce: number;
  readonly neverAnswers: number;
  readonly headerOver4k: number;
  readonly chunked: number;
  readonly obsFold: number;
  readonly spaceBeforeColon: number;
  readonly missingHeaders: number;
  readonly healthy: number;
  readonly refused: number;
}

/** What the real binary must say about one misbehaving server. */
interface Expectation {
  readonly name: string;
  /** diag520's arguments after the common ones (default: `--scheme http`, or https for a TLS case). */
  readonly args?: readonly string[];
  readonly errors: readonly FindingCode[];
  /** Warnings that must be among the findings (others may be there too). */
  readonly warnings?: readonly FindingCode[];
  /** Codes that must not be among the findings, whatever their severity. */
  readonly absent?: readonly FindingCode[];
  readonly exit: 0 | 1;
  readonly check?: (report: Report) => void;
  /** A known disagreement with what the edge would do: the test runs and reports, but does not fail. */
  readonly todo?: string;
}

interface NginxCase extends Expectation {
  readonly tls: boolean;
  /** HTTP/2 on for this TLS server (`http2 on;`, or `listen … http2` before nginx 1.25.1). */
  readonly http2?: true;
  /** The server block's directives, after `listen` and `server_name`. */
  readonly directives: (upstreams: Upstreams, prefix: string) => string;
}

interface HaproxyCase extends Expectation {
  /** The frontend's lines after `bind` (and any backend sections it needs). */
  readonly frontend: (upstreams: Upstreams) => string;
}

const bigHeaders = Array.from({ length: 20 }, (_, i) => `add_header X-Big-${i} "${"b".repeat(KIB)}";`).join("\n");
const cert = (prefix: string, kind: string) =>
  `ssl_certificate ${prefix}/certs/${kind}.pem; ssl_certificate_key ${prefix}/certs/${kind}.key;`;

function httpResponse(report: Report) {
  return phaseOf(report, "http")?.facts?.response ?? null;
}

/** The origin-h2 leg negotiated h2 and got a complete response, and no HTTP/2 fault was found. */
function assertHealthyOverH2(report: Report, body: string): void {
  const leg = report.legs["origin-h2"];
  const tls = leg?.phases.find((phase) => phase.name === "tls");
  assert.equal(tls?.name === "tls" ? tls.facts?.alpn : null, "h2", "the origin selects h2");
  const http2 = leg?.phases.find((phase) => phase.name === "http2");
  const facts = http2?.name === "http2" ? http2.facts : null;
  assert.equal(facts?.exchange.end, "complete");
  assert.equal(facts?.exchange.response?.status, 200);
  assert.equal(facts?.exchange.response?.bodyBytes, Buffer.byteLength(body));
  assert.equal(facts?.retry, null);
  const faults = report.findings.filter((f) => f.code.startsWith("http2.") && f.severity !== "info");
  assert.deepEqual(faults, [], "no HTTP/2 fault");
}

const NGINX_CASES: readonly NginxCase[] = [
  { name: 'healthy: return 200 "ok"', tls: false, directives: () => 'return 200 "ok\\n";', errors: [], exit: 0 },
  {
    name: "healthy https: a valid certificate from the test CA",
    tls: true,
    directives: (_, p) => `${cert(p, "valid")} return 200 "ok\\n";`,
    errors: [],
    exit: 0,
  },
  {
    name: "healthy https: TLS 1.3 only (the edge offers 1.3)",
    tls: true,
    directives: (_, p) => `${cert(p, "valid")} ssl_protocols TLSv1.3; return 200 "ok\\n";`,
    errors: [],
    exit: 0,
    check: (report) => {
      assert.equal(phaseOf(report, "tls")?.facts?.protocol, "TLSv1.3");
    },
  },
  {
    name: "return 444: nginx closes the connection without a response",
    tls: false,
    directives: () => "return 444;",
    errors: ["http.empty_reply"],
    exit: 1,
  },
  {
    name: "20 add_header lines of 1 KiB: a header block over 16 KB",
    tls: false,
    directives: () => `${bigHeaders}\nreturn 200 "ok\\n";`,
    errors: ["http.headers_too_large"],
    exit: 1,
  },
  {
    name: "return 500: the origin's own error, passed through",
    tls: false,
    directives: () => "return 500;",
    errors: [],
    warnings: ["http.origin_error"],
    exit: 0,
  },
  {
    name: "return 502",
    tls: false,
    directives: () => "return 502;",
    errors: [],
    warnings: ["http.origin_error"],
    exit: 0,
  },
  {
    name: "healthy https over HTTP/2: the edge's h2 gets a complete response",
    tls: true,
    http2: true,
    directives: (_, p) => `${cert(p, "valid")} return 200 "ok\\n";`,
    errors: [],
    exit: 0,
    check: (report) => {
      assertHealthyOverH2(report, "ok\n");
      // The HTTP/1.1 leg offered http/1.1 alone and was served over HTTP/1.1.
      assert.equal(phaseOf(report, "tls")?.facts?.alpn, "http/1.1");
    },
  },
  {
    name: "HTTP/2 with http2_max_concurrent_streams 1: healthy, the low limit is context",
    tls: true,
    http2: true,
    directives: (_, p) => `${cert(p, "valid")} http2_max_concurrent_streams 1; return 200 "ok\\n";`,
    errors: [],
    exit: 0,
    check: (report) => {
      assertHealthyOverH2(report, "ok\n");
      assert.ok(report.findings.some((f) => f.code === "http2.few_concurrent_streams" && f.severity === "info"));
    },
  },
  {
    name: "expired certificate",
    tls: true,
    directives: (_, p) => `${cert(p, "expired")} return 200 "ok\\n";`,
    errors: ["tls.cert_expired"],
    exit: 1,
  },
  {
    name: "certificate for another name",
    tls: true,
    directives: (_, p) => `${cert(p, "wrong-name")} return 200 "ok\\n";`,
    errors: ["tls.cert_hostname_mismatch"],
    exit: 1,
  },
  {
    name: "self-signed certificate",
    tls: true,
    directives: (_, p) => `${cert(p, "self-signed")} return 200 "ok\\n";`,
    errors: ["tls.cert_untrusted"],
    exit: 1,
  },
  {
    name: "leaf without its intermediate (ssl_certificate holds one certificate)",
    tls: true,
    directives: (_, p) => `${cert(p, "leaf-only")} return 200 "ok\\n";`,
    errors: ["tls.chain_incomplete"],
    exit: 1,
  },
  {
    // The edge's TLS 1.2 list has no CHACHA20 suite (FACTS.md), and TLS 1.3 is switched off.
    name: "TLS 1.2 with only ECDHE-ECDSA-CHACHA20-POLY1305: no cipher in common",
    tls: true,
    directives: (_, p) =>
      `${cert(p, "valid")} ssl_protocols TLSv1.2; ssl_ciphers ECDHE-ECDSA-CHACHA20-POLY1305; return 200 "ok\\n";`,
    errors: ["tls.handshake_failed"],
    exit: 1,
  },
  {
    // The edge still offers TLS 1.0 (FACTS.md): outdated, a warning, not a 525.
    name: "TLS 1.0 only, RSA certificate",
    tls: true,
    directives: (_, p) =>
      `${cert(p, "valid-rsa")} ssl_protocols TLSv1; ssl_ciphers ECDHE-RSA-AES128-SHA:@SECLEVEL=0; return 200 "ok\\n";`,
    errors: [],
    warnings: ["tls.legacy_protocol"],
    exit: 0,
  },
  {
    name: "a plain-HTTP server probed with TLS (SSL mode Full on port 80)",
    tls: false,
    directives: () => 'return 200 "ok\\n";',
    args: ["--scheme", "https"],
    errors: ["tls.not_tls"],
    exit: 1,
  },
  {
    // nginx answers 400 "The plain HTTP request was sent to HTTPS port": the edge passes a 400 on.
    name: "an HTTPS server probed in plain HTTP (SSL mode Flexible on port 443)",
    tls: true,
    directives: (_, p) => `${cert(p, "valid")} return 200 "ok\\n";`,
    args: ["--scheme", "http"],
    errors: [],
    exit: 0,
    check: (report) => assert.equal(httpResponse(report)?.head?.statusCode, 400),
  },
  {
    name: "proxy_pass to an upstream that sends a header line without a colon: nginx's 502",
    tls: false,
    directives: (u) => `location / { proxy_pass http://127.0.0.1:${u.invalidHeader}; }`,
    errors: [],
    warnings: ["http.origin_error"],
    exit: 0,
    check: (report) => assert.equal(httpResponse(report)?.head?.statusCode, 502),
  },
  {
    name: "proxy_pass to an upstream that closes at once: nginx's 502",
    tls: false,
    directives: (u) => `location / { proxy_pass http://127.0.0.1:${u.closesAtOnce}; }`,
    errors: [],
    warnings: ["http.origin_error"],
    exit: 0,
    check: (report) => assert.equal(httpResponse(report)?.head?.statusCode, 502),
  },
  {
    name: "proxy_pass to a port nobody listens on: nginx's 502",
    tls: false,
    directives: (u) => `location / { proxy_pass http://127.0.0.1:${u.refused}; }`,
    errors: [],
    warnings: ["http.origin_error"],
    exit: 0,
    check: (report) => assert.equal(httpResponse(report)?.head?.statusCode, 502),
  },
  {
    name: "proxy_pass to an upstream that never answers, proxy_read_timeout 1s: nginx's 504",
    tls: false,
    directives: (u) => `location / { proxy_read_timeout 1s; proxy_pass http://127.0.0.1:${u.neverAnswers}; }`,
    errors: [],
    warnings: ["http.origin_error"],
    exit: 0,
    check: (report) => assert.equal(httpResponse(report)?.head?.statusCode, 504),
  },
  {
    name: "proxy_pass with proxy_buffer_size 4k to an upstream with a 6 KB header: nginx's 502",
    tls: false,
    directives: (u) => `location / { proxy_buffer_size 4k; proxy_pass http://127.0.0.1:${u.headerOver4k}; }`,
    errors: [],
    warnings: ["http.origin_error"],
    exit: 0,
    check: (report) => assert.equal(httpResponse(report)?.head?.statusCode, 502),
  },
  {
    // nginx rejects what the edge's parser tolerates (FACTS.md): its 502 is what the CDN then passes on.
    name: "proxy_pass to an upstream that folds a header line (obs-fold): nginx's 502",
    tls: false,
    directives: (u) => `location / { proxy_pass http://127.0.0.1:${u.obsFold}; }`,
    errors: [],
    warnings: ["http.origin_error"],
    exit: 0,
    check: (report) => assert.equal(httpResponse(report)?.head?.statusCode, 502),
  },
  {
    name: "proxy_pass to an upstream with whitespace before a colon: nginx's 502",
    tls: false,
    directives: (u) => `location / { proxy_pass http://127.0.0.1:${u.spaceBeforeColon}; }`,
    errors: [],
    warnings: ["http.origin_error"],
    exit: 0,
    check: (report) => assert.equal(httpResponse(report)?.head?.statusCode, 502),
  },
  {
    name: "keep-alive: nginx holds the connection open after a Content-Length body",
    tls: false,
    directives: () => 'keepalive_timeout 3600s; location / { return 200 "kept alive\\n"; }',
    errors: [],
    exit: 0,
    check: (report) => {
      const response = httpResponse(report);
      assert.equal(response?.framing, "content-length");
      assert.equal(response?.end, "complete");
      assert.equal(response?.bodyComplete, true);
      assert.ok(
        response?.head?.headers.some(([n, v]: [string, string]) => /^connection$/i.test(n) && /keep-alive/i.test(v)),
      );
    },
  },
  {
    name: "chunked: sub_filter on a static file drops Content-Length",
    tls: false,
    directives: (_, p) =>
      `root ${p}/www; sub_filter_types *; sub_filter_once off; sub_filter "static" "filtered"; chunked_transfer_encoding on;`,
    args: ["--scheme", "http", "--path", "/index.html"],
    errors: [],
    exit: 0,
    check: (report) => {
      const response = httpResponse(report);
      assert.equal(response?.framing, "chunked");
      assert.equal(response?.bodyComplete, true);
    },
  },
  {
    name: "chunked: proxied from a chunked HTTP/1.1 upstream",
    tls: false,
    directives: (u) => `location / { proxy_http_version 1.1; proxy_pass http://127.0.0.1:${u.chunked}; }`,
    errors: [],
    exit: 0,
    check: (report) => {
      const response = httpResponse(report);
      assert.equal(response?.framing, "chunked");
      assert.equal(response?.bodyComplete, true);
      assert.equal(response?.head?.statusCode, 200);
    },
  },
  {
    name: "return 301 to https",
    tls: false,
    directives: () => `return 301 https://${HOST}$request_uri;`,
    errors: [],
    exit: 0,
    check: (report) => assert.equal(httpResponse(report)?.head?.statusCode, 301),
  },
  {
    name: "return 204",
    tls: false,
    directives: () => "return 204;",
    errors: [],
    exit: 0,
    check: (report) => assert.equal(httpResponse(report)?.head?.statusCode, 204),
  },
  {
    // nginx sends the file's Content-Length and no body: a HEAD response has none (RFC 9110 §9.3.2).
    name: "HEAD of a static file",
    tls: false,
    directives: (_, p) => `root ${p}/www;`,
    args: ["--scheme", "http", "--method", "HEAD", "--path", "/index.html"],
    errors: [],
    exit: 0,
    check: (report) => {
      const response = httpResponse(report);
      assert.equal(response?.head?.statusCode, 200);
      assert.equal(response?.bodyBytes, 0);
      assert.ok(
        response?.head?.headers.some(([n, v]: [string, string]) => /^content-length$/i.test(n) && Number(v) > 0),
      );
    },
  },
];

const HAPROXY_CASES: readonly HaproxyCase[] = [
  {
    name: "healthy: a well-formed upstream behind HAProxy",
    frontend: (u) => backend("healthy", u.healthy),
    errors: [],
    exit: 0,
  },
  {
    name: "http-request reject: HAProxy closes without a response",
    frontend: () => "  http-request reject",
    errors: ["http.empty_reply"],
    exit: 1,
  },
  {
    // HAProxy accepts, then resets at once. On loopback the reset lands before the client's
    // connect completes, so Node reports ECONNRESET from connect(); at the edge's distance the
    // handshake completes first and the request meets the reset: a 520, not a 521 (nothing
    // refused the SYN: an RST to a SYN is ECONNREFUSED on Linux).
    name: "tcp-request connection reject: HAProxy accepts, then resets",
    frontend: () => "  tcp-request connection reject",
    errors: ["http.connection_reset"],
    exit: 1,
  },
  {
    name: "http-response set-header, nine 1 KiB fields: a header block over 8 KiB",
    frontend: (u) =>
      [...Array.from({ length: 9 }, (_, i) => `  http-response set-header X-Big-${i} ${"b".repeat(KIB)}`)].join("\n") +
      `\n${backend("big", u.healthy)}`,
    errors: ["http.headers_too_large"],
    exit: 1,
  },
  {
    name: "an upstream header line without a colon: HAProxy's 502",
    frontend: (u) => backend("invalid", u.invalidHeader),
    errors: [],
    warnings: ["http.origin_error"],
    exit: 0,
    check: (report) => assert.equal(httpResponse(report)?.head?.statusCode, 502),
  },
  {
    name: "an upstream with whitespace before a colon: HAProxy's 502",
    frontend: (u) => backend("space", u.spaceBeforeColon),
    errors: [],
    warnings: ["http.origin_error"],
    exit: 0,
    check: (report) => assert.equal(httpResponse(report)?.head?.statusCode, 502),
  },
  {
    // Unlike nginx, HAProxy 2.x unfolds obs-fold (RFC 9112 §5.2 allows a proxy to) and passes a 200 on.
    name: "an upstream that folds a header line: HAProxy unfolds it",
    frontend: (u) => backend("fold", u.obsFold),
    errors: [],
    absent: ["http.invalid_header", "http.origin_error"],
    exit: 0,
    check: (report) => assert.equal(httpResponse(report)?.head?.statusCode, 200),
  },
  {
    name: "mode tcp in front of an upstream that sends no header fields",
    frontend: (u) =>
      `  mode tcp\n  default_backend missing\nbackend missing\n  mode tcp\n  server s1 127.0.0.1:${u.missingHeaders}`,
    errors: ["http.missing_headers"],
    exit: 1,
  },
];

function backend(name: string, port: number): string {
  return `  default_backend ${name}\nbackend ${name}\n  server s1 127.0.0.1:${port}`;
}

/** The upstreams behind the proxies, each writing its bytes as a broken application server would. */
async function startUpstreams(servers: ListeningServer[]): Promise<Upstreams> {
  const start = async (bytes: string, after: "close" | "keep-open") => {
    const server = await startPlainServer({ bytes, after });
    servers.push(server);
    return server.port;
  };
  const ok = (fields: readonly string[]) => rawResponse("HTTP/1.1 200 OK", [...fields, "Content-Length: 2"], "ok");
  return {
    invalidHeader: await start(ok(["this line has no colon"]), "close"),
    closesAtOnce: await start("", "close"),
    neverAnswers: await start("", "keep-open"),
    headerOver4k: await start(ok([`X-Large: ${"h".repeat(6000)}`]), "close"),
    chunked: await start(
      rawResponse(
        "HTTP/1.1 200 OK",
        ["Transfer-Encoding: chunked", "Content-Type: text/plain"],
        "5\r\nhello\r\n0\r\n\r\n",
      ),
      "close",
    ),
    obsFold: await start(ok(["X-Folded: first", "  continued"]), "close"),
    spaceBeforeColon: await start(ok(["X-Spaced : value"]), "close"),
    missingHeaders: await start("HTTP/1.1 200 OK\r\n\r\nok", "close"),
    healthy: await start(ok(["Content-Type: text/plain"]), "close"),
    refused: await releasedPort(),
  };
}

/**
 * Diagnoses `port` from a command line, in-process (parsed as the binary parses it, then
 * `diagnose()`; the binary's wiring is tested elsewhere), and checks the document against `expected`.
 */
async function diagnoseAndCheck(
  expected: Expectation,
  port: number,
  common: readonly string[],
  serverLog: () => string,
): Promise<void> {
  const args = [HOST, "--origin", "127.0.0.1", "--port", String(port), "--no-edge", ...common];
  const command = await parseCommandLine([...args, ...(expected.args ?? ["--scheme", "http"]), "--json"], {});
  assert.ok(command.kind === "diagnose");
  const { report: diagnosed } = await diagnose(command.request, command.options);
  const report: ReportDocument = { ...diagnosed, exitCode: exitCodeFor([diagnosed]) };
  outputDocumentSchema.parse(JSON.parse(JSON.stringify(report)));
  const context = `${JSON.stringify(report.findings, null, 2)}\nserver log: ${serverLog().slice(-2000)}`;
  const codes = (severity: string) =>
    new Set(report.findings.filter((f) => f.severity === severity).map((f) => f.code));
  assert.deepEqual([...codes("error")].sort(), [...expected.errors].sort(), context);
  for (const code of expected.warnings ?? []) assert.ok(codes("warning").has(code), `warning ${code}\n${context}`);
  for (const code of ["dns.unresolvable", ...(expected.absent ?? [])])
    assert.ok(!report.findings.some((f) => f.code === code), `no ${code}\n${context}`);
  assert.equal(report.exitCode, expected.exit);
  expected.check?.(report);
}

const nginxFound = await locateNginx();
const nginxHttp2 = "path" in nginxFound ? http2Directives(await nginxVersion(nginxFound.path)) : null;
const haproxyFound = await locateHaproxy();

describe("real servers configured to misbehave, diagnosed from a command line", () => {
  let dns: DnsServer | undefined;
  let upstreams: Upstreams | undefined;
  const upstreamServers: ListeningServer[] = [];
  before(async () => {
    dns = await startDnsServer({ [HOST]: { A: [CDN_ADDRESS] } });
    upstreams = await startUpstreams(upstreamServers);
  });
  after(async () => {
    await dns?.close();
    await Promise.all(upstreamServers.map((server) => server.close()));
  });

  describe("nginx", {
    concurrency: 4,
    timeout: RUN_LIMIT_MS,
    skip: "path" in nginxFound ? false : nginxFound.reason,
  }, () => {
    let nginx: NginxServer | undefined;
    const portOf = new Map<string, number>();

    before(async () => {
      assert.ok(upstreams);
      const certificates = generateLabCertificates([HOST]);
      const rsa = certificates.issue({ names: [HOST], keyType: "rsa" });
      const files: Record<string, string> = { "ca.pem": certificates.caPem, "www/index.html": "static page\n" };
      for (const [kind, issued, pem] of [
        ["valid", certificates.valid, certificates.valid.chainPem],
        ["valid-rsa", rsa, rsa.chainPem],
        ["expired", certificates.expired, certificates.expired.chainPem],
        ["wrong-name", certificates.wrongName, certificates.wrongName.chainPem],
        ["self-signed", certificates.selfSigned, certificates.selfSigned.chainPem],
        ["leaf-only", certificates.valid, certificates.valid.certPem],
      ] as const) {
        files[`certs/${kind}.pem`] = pem;
        files[`certs/${kind}.key`] = issued.keyPem;
      }
      const behind = upstreams;
      const started = await startNginx({
        portCount: NGINX_CASES.length,
        files,
        httpBlock: (ports, prefix) =>
          NGINX_CASES.map((c, i) => {
            const port = ports[i];
            if (port === undefined) throw new Error(`no port for case ${i}`);
            portOf.set(c.name, port);
            const h2 = c.http2 && nginxHttp2 !== null ? nginxHttp2 : { listenParameter: "", directive: "" };
            const listen = `listen 127.0.0.1:${port}${c.tls ? " ssl" : ""}${h2.listenParameter};`;
            return `server {\n  ${listen} server_name ${HOST}; ${h2.directive}\n  ${c.directives(behind, prefix)}\n}`;
          }).join("\n"),
      });
      assert.ok(started.available, "nginx was located, so it starts");
      nginx = started.server;
    });

    after(async () => {
      await nginx?.stop();
    });

    for (const c of NGINX_CASES) {
      const expected = c.tls && c.args === undefined ? { ...c, args: ["--scheme", "https"] } : c;
      test(`${c.name}: ${c.errors.join(", ") || "no error"}, exit ${c.exit}`, { todo: c.todo ?? false }, async () => {
        const port = portOf.get(c.name);
        assert.ok(nginx && dns && port !== undefined);
        const server = nginx;
        const common = ["--dns-server", dns.address, "--ca-file", join(server.prefix, "ca.pem")];
        await diagnoseAndCheck(expected, port, common, () => server.errorLog());
      });
    }
  });

  describe("HAProxy", {
    concurrency: 4,
    timeout: RUN_LIMIT_MS,
    skip: "path" in haproxyFound ? false : haproxyFound.reason,
  }, () => {
    let haproxy: HaproxyServer | undefined;
    const portOf = new Map<string, number>();

    before(async () => {
      assert.ok(upstreams);
      const behind = upstreams;
      const started = await startHaproxy({
        portCount: HAPROXY_CASES.length,
        sections: (ports) =>
          HAPROXY_CASES.map((c, i) => {
            const port = ports[i];
            if (port === undefined) throw new Error(`no port for case ${i}`);
            portOf.set(c.name, port);
            return `frontend case${i}\n  bind 127.0.0.1:${port}\n${c.frontend(behind)}`;
          }).join("\n"),
      });
      assert.ok(started.available, "HAProxy was located, so it starts");
      haproxy = started.server;
    });

    after(async () => {
      await haproxy?.stop();
    });

    for (const c of HAPROXY_CASES) {
      test(`${c.name}: ${c.errors.join(", ") || "no error"}, exit ${c.exit}`, { todo: c.todo ?? false }, async () => {
        const port = portOf.get(c.name);
        assert.ok(haproxy && dns && port !== undefined);
        const server = haproxy;
        await diagnoseAndCheck(c, port, ["--dns-server", dns.address], () => server.errorLog());
      });
    }
  });

  describe("healthy HTTP/2 origins stay healthy (Apache, Caddy, h2o)", {
    concurrency: 3,
    timeout: RUN_LIMIT_MS,
  }, () => {
    const BODY = "ok from a real HTTP/2 server\n";
    const certificates = generateLabCertificates([HOST]);
    const servers: readonly H2WebServer[] = [APACHE, CADDY, H2O];
    for (const kind of servers) {
      test(`${kind.name} with HTTP/2 on: served over h2, no error, no HTTP/2 warning, exit 0`, async (t) => {
        const located = await kind.locate();
        if (!("path" in located)) {
          t.skip(located.reason);
          return;
        }
        assert.ok(dns);
        const started = await kind.start({
          hostname: HOST,
          certPem: certificates.valid.chainPem,
          keyPem: certificates.valid.keyPem,
          body: BODY,
        });
        assert.ok(started.available, `${kind.name} was located, so it starts`);
        const server = started.server;
        try {
          await writeFile(join(server.prefix, "ca.pem"), certificates.caPem);
          const common = ["--dns-server", dns.address, "--ca-file", join(server.prefix, "ca.pem")];
          const expected: Expectation = {
            name: kind.name,
            args: [],
            errors: [],
            exit: 0,
            check: (report) => {
              assertHealthyOverH2(report, BODY);
              assert.equal(httpResponse(report)?.head?.statusCode, 200, "and over HTTP/1.1 too");
            },
          };
          await diagnoseAndCheck(expected, server.ports[0] ?? 0, common, () => server.errorLog());
        } finally {
          await server.stop();
        }
      });
    }
  });
});
