/**
 * The real binary against a real nginx configured to misbehave the ways origins do in the
 * wild: one nginx, one `server` block per fault on its own loopback port, and for each the
 * --json document's error codes, the warnings that must be there, and the exit code. Where
 * nginx proxies, the upstream is a small loopback server of ours that sends bad bytes, so the
 * test shows what nginx itself then sends (its own 502/504 pages, passed through by the CDN).
 * Skips with the reason when nginx is not installed (CI installs it: .ci/run).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { generateLabCertificates } from "../../fixtures/certificates.js";
import { type DnsServer, startDnsServer } from "../../fixtures/dns-server.js";
import { rawResponse } from "../../fixtures/lab-origins.js";
import { type ListeningServer, releasedPort, startPlainServer } from "../../fixtures/lab-servers.js";
import type { FindingCode } from "../../src/findings/catalogue.js";
import { outputDocumentSchema, type Report } from "../../src/report/schema.js";
import { locateNginx, type NginxServer, startNginx } from "../support/nginx.js";
import { runCli } from "../support/run-cli.js";

const HOST = "www.nginx.diag520.test";
/** The hostname resolves into the CDN's ranges (FACTS.md), as a proxied site's does; nothing is sent there. */
const CDN_ADDRESS = "104.16.0.1";
/** A run is killed after this: nginx's 504 takes its 1 s proxy_read_timeout, everything else well under. */
const RUN_LIMIT_MS = 45_000;

/** Ports of the loopback upstreams that nginx proxies to. */
interface Upstreams {
  readonly invalidHeader: number;
  readonly closesAtOnce: number;
  readonly neverAnswers: number;
  readonly headerOver4k: number;
  readonly chunked: number;
  readonly refused: number;
}

interface RealServerCase {
  readonly name: string;
  readonly tls: boolean;
  /** The server block's directives, after `listen` and `server_name`. */
  readonly directives: (upstreams: Upstreams, prefix: string) => string;
  /** diag520's arguments after the common ones (default: `--scheme https|http` as `tls` says). */
  readonly args?: readonly string[];
  readonly errors: readonly FindingCode[];
  /** Warnings that must be among the findings (others may be there too). */
  readonly warnings?: readonly FindingCode[];
  readonly exit: 0 | 1;
  readonly check?: (report: Report) => void;
}

const KIB = 1024;
const bigHeaders = Array.from({ length: 20 }, (_, i) => `add_header X-Big-${i} "${"b".repeat(KIB)}";`).join("\n");
const cert = (prefix: string, kind: string) =>
  `ssl_certificate ${prefix}/certs/${kind}.pem; ssl_certificate_key ${prefix}/certs/${kind}.key;`;

function httpResponse(report: Report) {
  const phase = report.phases.find((p) => p.name === "http");
  return phase?.name === "http" ? (phase.facts?.response ?? null) : null;
}

const CASES: readonly RealServerCase[] = [
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
      const tls = report.phases.find((p) => p.name === "tls");
      assert.equal(tls?.name === "tls" ? tls.facts?.protocol : null, "TLSv1.3");
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
    errors: ["tls.cert_untrusted"],
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
      assert.ok(response?.head?.headers.some(([n, v]) => /^connection$/i.test(n) && /keep-alive/i.test(v)));
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
      assert.ok(response?.head?.headers.some(([n, v]) => /^content-length$/i.test(n) && Number(v) > 0));
    },
  },
];

/** The upstreams behind the proxy_pass cases, each writing its bytes as a broken app server would. */
async function startUpstreams(servers: ListeningServer[]): Promise<Upstreams> {
  const start = async (bytes: string, after: "close" | "keep-open" | "reset") => {
    const server = await startPlainServer({ bytes, after });
    servers.push(server);
    return server.port;
  };
  return {
    invalidHeader: await start(rawResponse("HTTP/1.1 200 OK", ["Content-Length: 2", "this line has no colon"], "ok"), "close"),
    closesAtOnce: await start("", "close"),
    neverAnswers: await start("", "keep-open"),
    headerOver4k: await start(rawResponse("HTTP/1.1 200 OK", [`X-Large: ${"h".repeat(6000)}`, "Content-Length: 2"], "ok"), "close"),
    chunked: await start(
      rawResponse("HTTP/1.1 200 OK", ["Transfer-Encoding: chunked", "Content-Type: text/plain"], "5\r\nhello\r\n0\r\n\r\n"),
      "close",
    ),
    refused: await releasedPort(),
  };
}

const located = await locateNginx();

describe("real nginx, configured to misbehave, diagnosed by the real binary", {
  concurrency: 4,
  skip: "path" in located ? false : located.reason,
}, () => {
  let nginx: NginxServer | undefined;
  let dns: DnsServer | undefined;
  const upstreamServers: ListeningServer[] = [];
  const portOf = new Map<string, number>();

  before(async () => {
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
    dns = await startDnsServer({ [HOST]: { A: [CDN_ADDRESS] } });
    const upstreams = await startUpstreams(upstreamServers);
    const started = await startNginx({
      portCount: CASES.length,
      files,
      httpBlock: (ports, prefix) =>
        CASES.map((c, i) => {
          const port = ports[i];
          if (port === undefined) throw new Error(`no port for case ${i}`);
          portOf.set(c.name, port);
          const listen = `listen 127.0.0.1:${port}${c.tls ? " ssl" : ""};`;
          return `server {\n  ${listen} server_name ${HOST};\n  ${c.directives(upstreams, prefix)}\n}`;
        }).join("\n"),
    });
    assert.ok(started.available, "nginx was located, so it starts");
    nginx = started.server;
  });

  after(async () => {
    await nginx?.stop();
    await dns?.close();
    await Promise.all(upstreamServers.map((server) => server.close()));
  });

  for (const c of CASES) {
    test(`${c.name}: ${c.errors.join(", ") || "no error"}, exit ${c.exit}`, async () => {
      assert.ok(nginx && dns);
      const port = portOf.get(c.name);
      assert.ok(port !== undefined);
      const scheme = c.tls ? "https" : "http";
      const args = [HOST, "--origin", "127.0.0.1", "--port", String(port), "--dns-server", dns.address];
      args.push("--ca-file", `${nginx.prefix}/ca.pem`, ...(c.args ?? ["--scheme", scheme]), "--json");
      const result = await runCli(args, { limitMs: RUN_LIMIT_MS });
      assert.equal(result.killedAfterLimit, false, "the run finished within its limit");
      const doc = outputDocumentSchema.parse(JSON.parse(result.stdout));
      assert.equal(doc.kind, "report");
      const report = doc as Report;
      const context = `${JSON.stringify(report.findings, null, 2)}\nnginx: ${nginx.errorLog().slice(-2000)}`;
      const errors = [...new Set(report.findings.filter((f) => f.severity === "error").map((f) => f.code))].sort();
      assert.deepEqual(errors, [...c.errors].sort(), context);
      const warnings = new Set(report.findings.filter((f) => f.severity === "warning").map((f) => f.code));
      for (const code of c.warnings ?? []) assert.ok(warnings.has(code), `warning ${code} expected\n${context}`);
      assert.equal(result.code, c.exit, result.stderr);
      assert.equal(report.exitCode, c.exit);
      c.check?.(report);
    });
  }
});
