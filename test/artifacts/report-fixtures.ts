/**
 * Hand-made diagnoses in the shape of src/report/schema.ts, one per kind of outcome the
 * artefacts must carry: healthy, empty reply, timeout, invalid header, binary body, refused.
 * The secrets planted here are looked for in every artefact by the redaction tests.
 */

import { reproduceCommand } from "../../src/artifacts/reproduce-command.js";
import { type Finding, finding } from "../../src/findings/catalogue.js";
import { DEFAULTS, type DiagnoseRequest } from "../../src/options.js";
import type { HttpFacts, PhaseResult, Report, ResponseHead } from "../../src/report/schema.js";

export const SECRETS = {
  bearer: "s3cr3t-bearer-token-0123",
  cookie: "s3cr3t-cookie-value-4567",
  apiKey: "k3y-s3cr3t-api-89",
  setCookie: "srv-s3cr3t-session-ABCD",
} as const;

export const REQUEST: DiagnoseRequest = {
  hostname: "example.com",
  displayHostname: "example.com",
  origin: "127.0.0.1",
  scheme: "https",
  port: 443,
  path: "/login?next=%2Fhome&flag",
  method: "GET",
  headers: [
    ["Authorization", `Bearer ${SECRETS.bearer}`],
    ["Cookie", `session=${SECRETS.cookie}; theme=dark`],
    ["X-Api-Key", SECRETS.apiKey],
    ["X-Trace", "visible-value"],
  ],
  userAgent: DEFAULTS.userAgent,
};

const STARTED = "2026-11-22T04:00:00.000Z";

export function rawRequestHead(request: DiagnoseRequest = REQUEST): string {
  const fields = [
    ["Host", request.hostname],
    ["User-Agent", request.userAgent],
    ["Accept", "*/*"],
    ...request.headers,
    ["Connection", "close"],
  ];
  return `${request.method} ${request.path} HTTP/1.1\r\n${fields.map(([n, v]) => `${n}: ${v}\r\n`).join("")}\r\n`;
}

export function head(statusLine: string, headers: [string, string][], raw: string): ResponseHead {
  const match = /^HTTP\/(\d\.\d) (\d{3}) ?(.*)$/.exec(statusLine);
  return {
    statusLine,
    httpVersion: match?.[1] ?? null,
    statusCode: match ? Number(match[2]) : null,
    reason: match?.[3] ?? null,
    headers,
    headBytes: Buffer.byteLength(raw, "latin1"),
  };
}

interface Outcome {
  readonly response: Partial<HttpFacts["response"]>;
  readonly findings: Finding[];
  readonly body?: Buffer | null;
  readonly httpSkipped?: string;
  readonly tcpError?: string;
}

function phase<N extends PhaseResult["name"]>(
  name: N,
  offsetMs: number,
  durationMs: number,
  facts: unknown,
  summary: string,
): PhaseResult {
  return {
    name,
    status: "passed",
    startedAt: new Date(Date.parse(STARTED) + offsetMs).toISOString(),
    durationMs,
    summary,
    skipReason: null,
    facts,
  } as PhaseResult;
}

function skipped(name: PhaseResult["name"], reason: string): PhaseResult {
  return {
    name,
    status: "skipped",
    startedAt: null,
    durationMs: null,
    summary: "skipped",
    skipReason: reason,
    facts: null,
  } as PhaseResult;
}

export function makeDiagnosis(
  outcome: Outcome,
  request: DiagnoseRequest = REQUEST,
): { report: Report; responseBody: Buffer | null } {
  const phases: PhaseResult[] = [
    phase(
      "dns",
      0,
      1.25,
      {
        hostname: request.hostname,
        resolvers: [],
        hostnameAddresses: ["192.0.2.10"],
        hostnameCnames: [],
        hostnameProxied: false,
        origin: request.origin,
        originAddresses: ["127.0.0.1"],
        address: "127.0.0.1",
      },
      "origin 127.0.0.1",
    ),
  ];
  if (outcome.tcpError !== undefined) {
    phases.push({
      ...phase(
        "tcp",
        2,
        0.5,
        {
          address: "127.0.0.1",
          port: request.port,
          family: 4,
          localAddress: null,
          localPort: null,
          errorCode: outcome.tcpError,
        },
        "refused",
      ),
      status: "failed",
    } as PhaseResult);
    phases.push(skipped("tls", "the TCP connection failed"), skipped("http", "the TCP connection failed"));
  } else {
    phases.push(
      phase(
        "tcp",
        2,
        0.75,
        {
          address: "127.0.0.1",
          port: request.port,
          family: 4,
          localAddress: "127.0.0.1",
          localPort: 54321,
          errorCode: null,
        },
        "connected",
      ),
      phase(
        "tls",
        3,
        4.5,
        {
          servername: request.hostname,
          protocol: "TLSv1.3",
          cipher: "TLS_AES_128_GCM_SHA256",
          alpn: null,
          chain: [],
          trusted: true,
          hostnameMatches: true,
          verifyError: null,
          errorCode: null,
        },
        "TLSv1.3",
      ),
    );
    const raw = rawRequestHead(request);
    const body = outcome.body ?? null;
    const response: HttpFacts["response"] = {
      bytesReceived: 0,
      interim: [],
      head: null,
      rawHead: "",
      rawHeadTruncated: false,
      framing: null,
      contentLength: null,
      bodyBytes: body?.length ?? 0,
      bodyComplete: false,
      end: "closed",
      firstByteMs: null,
      headMs: null,
      completeMs: null,
      ...outcome.response,
    };
    phases.push(
      phase("http", 8, 12.5, { request: { raw, bytes: raw.length }, response } satisfies HttpFacts, "answered"),
    );
  }
  const errors = outcome.findings.filter((f) => f.severity === "error");
  const edgeStatus = errors[0]?.edgeStatus ?? null;
  const report: Report = {
    kind: "report",
    schemaVersion: 1,
    tool: { name: "diag520", version: "0.1.0" },
    target: {
      hostname: request.hostname,
      displayHostname: request.displayHostname,
      origin: request.origin,
      scheme: request.scheme,
      port: request.port,
      path: request.path,
      method: request.method,
    },
    startedAt: STARTED,
    durationMs: 21,
    complete: true,
    interruption: null,
    phases,
    findings: outcome.findings,
    causes:
      errors.length === 0
        ? []
        : [
            {
              id: "origin-down",
              rank: 1,
              title: "The origin web server is down or crashing",
              likelihood: "high",
              supportedBy: errors.map((f) => f.code),
              fixes: [{ action: "Check the web server's error log and restart it", effort: "easy" }],
            },
          ],
    notChecked: [
      {
        what: "A firewall that blocks only the CDN's addresses",
        why: "this machine is not one of the CDN's addresses.",
        howToTell: "allow-list the CDN's ranges and retry.",
      },
    ],
    verdict: {
      ok: errors.length === 0,
      edgeStatus,
      summary: errors[0]
        ? `the CDN would answer ${edgeStatus}: ${errors[0].title.toLowerCase()}`
        : "the CDN would pass the response on",
    },
    reproduce: { curl: reproduceCommand(request, "127.0.0.1") },
    redacted: [],
    exitCode: errors.length === 0 ? 0 : 1,
  };
  return { report, responseBody: outcome.body ?? null };
}

const HEALTHY_RAW =
  "HTTP/1.1 200 OK\r\n" +
  "Content-Type: text/html; charset=utf-8\r\n" +
  `Set-Cookie: sid=${SECRETS.setCookie}; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly; Secure\r\n` +
  "Set-Cookie: lang=en; Path=/\r\n" +
  "X-Odd :  spaced  \r\n" +
  "Vary: Accept\r\n" +
  "Vary: Cookie\r\n" +
  "Location: /next\r\n" +
  "Content-Length: 48\r\n\r\n";

export function healthy(): { report: Report; responseBody: Buffer | null } {
  const body = Buffer.from(`<p>welcome \u00e9 — you sent Bearer ${SECRETS.bearer}</p>`, "utf8");
  return makeDiagnosis({
    body,
    findings: [finding("dns.not_proxied", "info", "example.com resolves to 192.0.2.10, outside the CDN's ranges.")],
    response: {
      bytesReceived: HEALTHY_RAW.length + body.length,
      head: head(
        "HTTP/1.1 200 OK",
        [
          ["Content-Type", "text/html; charset=utf-8"],
          ["Set-Cookie", `sid=${SECRETS.setCookie}; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly; Secure`],
          ["Set-Cookie", "lang=en; Path=/"],
          ["X-Odd ", " spaced  "],
          ["Vary", "Accept"],
          ["Vary", "Cookie"],
          ["Location", "/next"],
          ["Content-Length", "48"],
        ],
        HEALTHY_RAW,
      ),
      rawHead: HEALTHY_RAW,
      framing: "content-length",
      contentLength: body.length,
      bodyBytes: body.length,
      bodyComplete: true,
      end: "complete",
      firstByteMs: 3.5,
      headMs: 3.75,
      completeMs: 4.25,
    },
  });
}

export function emptyReply(): { report: Report; responseBody: Buffer | null } {
  return makeDiagnosis({
    findings: [
      finding("http.empty_reply", "error", "The origin closed the connection after 0 bytes.", { bytesReceived: 0 }),
    ],
    response: { end: "closed" },
  });
}

export function responseTimeout(): { report: Report; responseBody: Buffer | null } {
  const partial = "HTTP/1.1 200 OK\r\nX-Partial: yes\r\n";
  return makeDiagnosis({
    findings: [
      finding("http.response_timeout", "error", "No complete header block within 10000 ms.", { timeoutMs: 10000 }),
    ],
    response: { end: "timeout", rawHead: partial, bytesReceived: partial.length, firstByteMs: 2 },
  });
}

/** A hostile head: NUL, a high byte, backtick runs that try to close a Markdown fence, and a planted secret. */
export const HOSTILE_RAW =
  "HTTP/1.1 200 OK\r\n" +
  "X-Fence: ```` and ``` \r\n" +
  "```\r\n" +
  "``````````\r\n" +
  `Set-Cookie: evil=${SECRETS.setCookie}\r\n` +
  "Bad Header\u0000Line\u00ff\r\n" +
  "\u001b[31mred\r\n" +
  "[click](http://evil.example/) <script>alert(1)</script>\r\n\r\n";

export function invalidHeader(): { report: Report; responseBody: Buffer | null } {
  return makeDiagnosis({
    findings: [
      finding("http.invalid_header", "error", "Field line 5 has no colon.", {
        line: "Bad Header\u0000Line\u00ff",
        lineNumber: 5,
        fence: "``````````",
      }),
    ],
    response: {
      end: "complete",
      rawHead: HOSTILE_RAW,
      bytesReceived: HOSTILE_RAW.length,
      head: head(
        "HTTP/1.1 200 OK",
        [
          ["X-Fence", "```` and ``` "],
          ["Set-Cookie", `evil=${SECRETS.setCookie}`],
        ],
        HOSTILE_RAW,
      ),
      firstByteMs: 1,
      headMs: 1.5,
      completeMs: 1.5,
    },
  });
}

/** A PNG-like body: not UTF-8, with the bearer token planted in the bytes. */
export function binaryBody(): { report: Report; responseBody: Buffer | null } {
  const raw = "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n";
  const body = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe]),
    Buffer.from(SECRETS.bearer, "latin1"),
    Buffer.from([0xc3, 0x28, 0x00]),
  ]);
  return makeDiagnosis({
    body,
    findings: [],
    response: {
      bytesReceived: raw.length + body.length + 12,
      head: head(
        "HTTP/1.1 200 OK",
        [
          ["Content-Type", "image/png"],
          ["Transfer-Encoding", "chunked"],
        ],
        raw,
      ),
      rawHead: raw,
      framing: "chunked",
      bodyBytes: body.length,
      bodyComplete: true,
      end: "complete",
      firstByteMs: 1,
      headMs: 1,
      completeMs: 2,
    },
  });
}

export function refused(): { report: Report; responseBody: Buffer | null } {
  return makeDiagnosis({
    tcpError: "ECONNREFUSED",
    findings: [
      finding("tcp.refused", "error", "127.0.0.1:443 refused the connection.", { address: "127.0.0.1", port: 443 }),
    ],
    response: {},
  });
}

export const ALL_OUTCOMES = { healthy, emptyReply, responseTimeout, invalidHeader, binaryBody, refused } as const;
