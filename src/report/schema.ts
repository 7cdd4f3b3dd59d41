/**
 * The shape of the one JSON document that `--json` prints, as zod schemas.
 * This file is the single source of truth: runtime code imports only the inferred types
 * (`import type`), so zod — about 70 ms to load — stays off the diagnosis path and is loaded
 * only by `diag520 schema` and by the tests that validate real output against it.
 *
 * Version 2 (see the README, "The JSON document"): legs keyed by name, each with its phases;
 * findings name their leg; evidence is typed per finding code; the request as structured
 * fields; `target.address` and `verdict.decidingFinding`.
 */
import { z } from "zod";
import { FINDING_CATALOGUE, type Finding, type FindingCode } from "../findings/catalogue.js";
import type { Evidence, EvidenceKind, EvidenceShape } from "../findings/evidence.js";
import { LEG_NAMES } from "../legs/leg-name.js";
import { SCHEMA_VERSION } from "./schema-version.js";
import { seriesSchema } from "./series-schema.js";

export { SCHEMA_VERSION };

const legName = z.enum(LEG_NAMES);
const phaseName = z.enum(["dns", "tcp", "tls", "http", "http2"]);
const edgeStatus = z.union([
  z.literal(520),
  z.literal(521),
  z.literal(522),
  z.literal(523),
  z.literal(524),
  z.literal(525),
  z.literal(526),
  z.literal(530),
]);

/** Raw bytes from the wire are carried as latin1 strings: one character per byte, exact. */
const wireText = z.string().describe("bytes as received, one character per byte (latin1)");

const EVIDENCE_KINDS: Readonly<Record<EvidenceKind, z.ZodType>> = {
  string: z.string(),
  "string?": z.string().nullable(),
  number: z.number(),
  "number?": z.number().nullable(),
  boolean: z.boolean(),
  "boolean?": z.boolean().nullable(),
  "string[]": z.array(z.string()),
  "number[]": z.array(z.number()),
  wire: wireText,
  "wire?": wireText.nullable(),
  "wire[]": z.array(wireText),
};

/** Exactly the keys the code declares, each of its kind (the TypeScript side is `EvidenceFor<code>`). */
function evidenceSchema(shape: EvidenceShape): z.ZodType<Evidence> {
  const keys = Object.entries(shape).map(([key, kind]) => [key, EVIDENCE_KINDS[kind]] as const);
  return z.strictObject(Object.fromEntries(keys)) as unknown as z.ZodType<Evidence>;
}

const findingBase = {
  severity: z.enum(["error", "warning", "info"]),
  leg: legName.nullable().describe("the leg whose observation this is; null for the resolution step"),
  phase: phaseName.describe("the phase where the fact was observed"),
  title: z.string(),
  detail: z.string(),
  edgeStatus: edgeStatus.nullable().describe("what the CDN would answer because of this finding (errors only)"),
};

const findingVariants = (Object.keys(FINDING_CATALOGUE) as FindingCode[]).map((code) =>
  z.object({ code: z.literal(code), ...findingBase, evidence: evidenceSchema(FINDING_CATALOGUE[code].evidence) }),
);

export const findingSchema = z.discriminatedUnion(
  "code",
  findingVariants as unknown as [(typeof findingVariants)[number], ...(typeof findingVariants)[number][]],
);

export const dnsFactsSchema = z.object({
  hostname: z.string(),
  resolvers: z.array(z.string()).describe("DNS servers asked; empty when the system resolver (getaddrinfo) was used"),
  hostnameAddresses: z.array(z.string()),
  hostnameCnames: z.array(z.string()),
  hostnameProxied: z.boolean().nullable().describe("true when the hostname resolves into the CDN's published ranges"),
  origin: z.string().nullable().describe("--origin as given, or null"),
  originAddresses: z.array(z.string()),
  address: z.string().nullable().describe("the address the origin leg connects to"),
});

export const tcpFactsSchema = z.object({
  address: z.string(),
  port: z.number().int(),
  family: z.union([z.literal(4), z.literal(6)]),
  localAddress: z.string().nullable(),
  localPort: z.number().int().nullable(),
  errorCode: z.string().nullable(),
});

export const certificateSchema = z.object({
  subject: z.string(),
  issuer: z.string(),
  subjectAltNames: z.array(z.string()),
  validFrom: z.string(),
  validTo: z.string(),
  serialNumber: z.string(),
  fingerprint256: z.string(),
  selfSigned: z.boolean(),
});

export const tlsFactsSchema = z.object({
  servername: z.string().nullable().describe("SNI sent; null for an IP-literal hostname (SNI carries names only)"),
  alpnOffered: z.array(z.string()),
  protocol: z.string().nullable(),
  cipher: z.string().nullable(),
  alpn: z.string().nullable().describe("the protocol the origin selected in ALPN, if any"),
  chain: z.array(certificateSchema).describe("leaf first, as the origin sent it"),
  trusted: z.boolean().nullable(),
  hostnameMatches: z.boolean().nullable(),
  verifyError: z.string().nullable().describe("OpenSSL's verification code for the chain, if any"),
  errorCode: z.string().nullable(),
  withoutSni: z
    .object({
      sameCertificate: z.boolean().nullable().describe("null when that handshake failed"),
      subject: z.string().nullable(),
      errorCode: z.string().nullable(),
    })
    .nullable()
    .describe("a second handshake without SNI, made only when the certificate does not name the hostname"),
});

const headerField = z
  .tuple([z.string(), z.string()])
  .describe("[name, value] as on the wire, without the whitespace around the value (RFC 9112 §5)");

export const responseHeadSchema = z.object({
  statusLine: wireText,
  httpVersion: z.string().nullable(),
  statusCode: z.number().int().nullable(),
  reason: z.string().nullable(),
  headers: z.array(headerField),
  headBytes: z.number().int().describe("bytes of the head on the wire, status line and final blank line included"),
});

export const httpFactsSchema = z.object({
  request: z.object({
    raw: wireText.describe("the request head exactly as written to the socket"),
    bytes: z.number().int(),
  }),
  response: z.object({
    bytesReceived: z.number().int(),
    interim: z.array(responseHeadSchema).describe("1xx responses skipped on the way to the final one"),
    head: responseHeadSchema.nullable().describe("the final response head, or as much of it as arrived"),
    headComplete: z.boolean().describe("the final head arrived whole (ended by its empty line)"),
    rawHead: wireText.describe("the final response head as received, capped for the report"),
    rawHeadTruncated: z.boolean(),
    framing: z.enum(["chunked", "content-length", "close", "none"]).nullable(),
    contentLength: z.number().nullable(),
    bodyBytes: z.number().int().describe("body bytes read (after chunked decoding)"),
    bodyComplete: z.boolean(),
    end: z.enum(["complete", "closed", "reset", "timeout", "interrupted", "read_cap", "error"]),
    firstByteMs: z.number().nullable(),
    headMs: z.number().nullable(),
    completeMs: z.number().nullable(),
  }),
});

export const h2FrameSchema = z.object({
  direction: z.enum(["sent", "received"]),
  type: z.string().describe("RFC 9113 §6 name; UNKNOWN for an extension frame (typeCode keeps the number)"),
  typeCode: z.number().int(),
  streamId: z.number().int(),
  flags: z.array(z.string()),
  length: z.number().int().describe("payload bytes"),
  atMs: z.number().nullable().describe("ms since the exchange started"),
  errorCode: z.string().nullable().describe("RST_STREAM and GOAWAY: the RFC 9113 §7 name"),
  settings: z.record(z.string(), z.number()).nullable().describe("SETTINGS: parameter name → value"),
  lastStreamId: z.number().int().nullable().describe("GOAWAY"),
  windowIncrement: z.number().int().nullable().describe("WINDOW_UPDATE"),
  debugData: wireText.nullable().describe("GOAWAY: debug data as sent (first 256 bytes)"),
  violation: z.string().nullable().describe("a payload the frame type does not allow"),
});

const h2HeaderField = z.tuple([wireText, wireText]).describe("[name, value] as decoded from HPACK");

export const h2ExchangeFactsSchema = z.object({
  end: z.enum(["complete", "stream_reset", "goaway", "session_error", "closed", "timeout", "aborted"]),
  response: z
    .object({
      status: z.number().int().nullable().describe("`:status`; null when missing or not three digits"),
      headers: z.array(h2HeaderField).describe("the final response header block, pseudo-header fields included"),
      bodyBytes: z.number().int(),
      complete: z.boolean().describe("the origin ended the stream (END_STREAM)"),
      trailers: z.array(h2HeaderField).nullable(),
    })
    .nullable(),
  streamError: z.string().nullable().describe("the RST_STREAM error code on the request's stream"),
  streamResetBy: z.enum(["origin", "client"]).nullable(),
  goaway: z
    .object({
      by: z.enum(["origin", "client"]),
      errorCode: z.string(),
      lastStreamId: z.number().int(),
      debugData: wireText,
    })
    .nullable(),
  sessionErrorCode: z.string().nullable().describe("node:http2's error code for the connection, if any"),
  sessionErrorMessage: z.string().nullable(),
  socketErrorCode: z.string().nullable(),
  notHttp2: z
    .object({ expected: z.string(), firstBytes: wireText, looksLikeHttp1: z.boolean() })
    .nullable()
    .describe("the origin selected h2 but its bytes were not HTTP/2"),
  remoteSettings: z.record(z.string(), z.number()).nullable().describe("the origin's SETTINGS, merged in order"),
  malformedHeaders: z
    .array(z.object({ name: wireText, value: wireText, why: z.string() }))
    .describe("why the response header block is malformed (RFC 9113 §8.1.1), field by field"),
  headerDecodingError: z.object({ code: z.string(), streamId: z.number().int(), offset: z.number().int() }).nullable(),
  frames: z.array(h2FrameSchema).describe("both directions in arrival order (bounded: first and last)"),
  framesDropped: z.number().int().describe("frames left out between the first and the last ones kept"),
  timings: z.object({
    firstFrameMs: z.number().nullable(),
    headersMs: z.number().nullable(),
    completeMs: z.number().nullable(),
  }),
});

export const http2FactsSchema = z.object({
  request: z.object({
    authority: z.string(),
    fields: z.array(headerField).describe("pseudo-header fields first, names in lower case, as sent"),
  }),
  exchange: h2ExchangeFactsSchema,
  retry: z
    .object({
      reason: z.enum(["refused_stream", "goaway_no_error"]),
      failedAt: z
        .enum(["tcp", "tls", "alpn", "stopped"])
        .nullable()
        .describe("where the fresh connection stopped before HTTP/2; null when it got that far"),
      errorCode: z.string().nullable(),
      exchange: h2ExchangeFactsSchema.nullable(),
    })
    .nullable()
    .describe("the second attempt on a fresh connection, as the edge makes it"),
});

const phaseBase = {
  status: z.enum(["passed", "failed", "skipped"]),
  startedAt: z.string().nullable(),
  durationMs: z.number().nullable().describe("null when the phase never ran"),
  deadlineMs: z.number().nullable().describe("the deadline the phase ran under; null when it never ran"),
  summary: z.string(),
  skipReason: z.string().nullable(),
};

export const resolutionSchema = z.object({ name: z.literal("dns"), ...phaseBase, facts: dnsFactsSchema.nullable() });

export const legPhaseSchema = z.discriminatedUnion("name", [
  z.object({ name: z.literal("tcp"), ...phaseBase, facts: tcpFactsSchema.nullable() }),
  z.object({ name: z.literal("tls"), ...phaseBase, facts: tlsFactsSchema.nullable() }),
  z.object({ name: z.literal("http"), ...phaseBase, facts: httpFactsSchema.nullable() }),
  z.object({ name: z.literal("http2"), ...phaseBase, facts: http2FactsSchema.nullable() }),
]);

export const legSchema = z.object({
  name: legName,
  address: z.string().nullable().describe("the IP address the leg connects to; null when there was none"),
  port: z.number().int(),
  scheme: z.enum(["http", "https"]),
  phases: z.array(legPhaseSchema).describe("tcp, tls, then http (origin) or http2 (origin-h2), in the order they run"),
});

export const edgeAnswerSchema = z
  .object({
    status: z.number().int().nullable(),
    cfRay: z.string().nullable().describe("the cf-ray header as received (id-colo); null: not Cloudflare"),
    rayId: z.string().nullable().describe("the Ray ID without its colo: search the origin's logs for it"),
    colo: z.string().nullable().describe("the data centre that answered (IATA-like code after the Ray ID)"),
    server: z.string().nullable(),
    cacheStatus: z.string().nullable().describe("cf-cache-status (HIT, MISS, DYNAMIC, BYPASS, STALE …)"),
    retryAfter: z.string().nullable(),
    mitigated: z.string().nullable().describe("cf-mitigated (challenge)"),
    originTimingMs: z.number().nullable().describe("Server-Timing cfOrigin: the edge's own measure of the origin"),
    edgeTimingMs: z.number().nullable().describe("Server-Timing cfEdge"),
    generatedBy: z
      .enum(["cloudflare", "origin", "unknown"])
      .describe("whether the edge made this answer itself or passed the origin's through"),
    errorFormat: z.enum(["problem_json", "html", "html_legacy", "plain", "markdown"]).nullable(),
    errorCode: z.number().int().nullable().describe("the code the edge's error names (520–530, or a 1xxx)"),
    errorName: z.string().nullable().describe("error_name from the problem JSON (stable, snake_case)"),
    bodyRayId: z.string().nullable().describe("the Ray ID the error body shows"),
    errorSource: z.string().nullable().describe("the failing party the error names (host, cloudflare, origin …)"),
  })
  .describe("what the edge answered, read from its head and body");

export const edgeLegSchema = legSchema.extend({
  name: z.literal("edge"),
  hostname: z.string().describe("SNI and Host: the public hostname, whatever address was dialled"),
  pinned: z.boolean().describe("true when --edge-address chose the address"),
  cacheBusted: z.boolean().describe("a unique diag520-nocache query parameter was added (--edge-cache: false)"),
  path: z.string().describe("the request target sent to the edge, cache buster included"),
  skipReason: z.string().nullable().describe("why the edge leg did not run; null when it ran"),
  answer: edgeAnswerSchema.nullable(),
  client: z
    .object({
      name: z.string(),
      statusCode: z.number().int().nullable(),
      errorCode: z.string().nullable(),
      errorMessage: z.string().nullable(),
    })
    .nullable()
    .describe("what undici, the client that made the request, reported"),
  structuredForm: z
    .object({
      status: z.number().int().nullable(),
      contentType: z.string().nullable(),
      body: wireText,
      errorCode: z.string().nullable(),
    })
    .nullable()
    .describe(
      "a second request with Accept: application/json, made when the edge answered an error page the visitor had not asked as JSON",
    ),
});

export const targetSchema = z.object({
  hostname: z.string().describe("ASCII form, used for DNS, SNI and the Host header"),
  displayHostname: z.string().describe("as the user would read it (Unicode for an IDN)"),
  origin: z.string().nullable().describe("--origin as given, or null"),
  address: z.string().nullable().describe("the origin address diagnosed; null when none was reached"),
  scheme: z.enum(["http", "https"]),
  port: z.number().int(),
  path: z.string(),
  method: z.string(),
  sslMode: z
    .enum(["off", "flexible", "full", "strict"])
    .describe("the zone's SSL mode the run was judged under (--ssl-mode); off: proxy off, visitors connect directly"),
  http2ToOrigin: z.boolean().describe("whether the edge offers h2 to the origin (false with --no-h2)"),
});

export const requestSchema = z.object({
  method: z.string(),
  path: z.string(),
  httpVersion: z.literal("HTTP/1.1"),
  headers: z.array(headerField).describe("every field as sent, in order (redacted values as [REDACTED])"),
});

export const rankedCauseSchema = z.object({
  id: z.string(),
  rank: z.number().int(),
  title: z.string(),
  likelihood: z.enum(["high", "medium", "low"]),
  supportedBy: z.array(z.string()).describe("finding codes that point to this cause"),
  fixes: z.array(z.object({ action: z.string(), effort: z.enum(["easy", "medium"]) })),
});

export const notCheckedSchema = z.object({
  what: z.string(),
  why: z.string(),
  howToTell: z.string(),
});

export const decidingFindingSchema = z.object({
  index: z.number().int().describe("its position in `findings`"),
  code: z.string(),
  leg: legName.nullable(),
});

export const verdictSchema = z.object({
  ok: z.boolean().describe("true only for status pass"),
  status: z
    .enum(["pass", "fail", "incomplete"])
    .describe(
      "pass: every phase ran and nothing would make the CDN fail; fail: a finding would; incomplete: no verdict (cut short, origin not reached, response not seen)",
    ),
  edgeStatus: edgeStatus.nullable(),
  summary: z.string(),
  decidingFinding: decidingFindingSchema
    .nullable()
    .describe("the finding the verdict rests on: the deciding error, or what kept an incomplete run from a verdict"),
});

export const interruptionSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("cancelled"), ms: z.null() }).describe("Ctrl-C"),
  z.object({ kind: z.literal("run_deadline"), ms: z.number() }).describe("the whole-run deadline (--max-time)"),
]);

export const sslModeRowSchema = z.object({
  mode: z.enum(["off", "flexible", "full", "strict"]),
  title: z.string().describe("as the CDN's dashboard names it"),
  verdict: z.enum(["ok", "fail", "not_tested"]),
  edgeStatus: edgeStatus
    .nullable()
    .describe("what the CDN would answer under this mode; null when ok, off or not tested"),
  reason: z.string(),
  howToTest: z.string().nullable().describe("the command that tests this mode, when this run did not"),
});

const toolSchema = z.object({ name: z.literal("diag520"), version: z.string() });

export const reportSchema = z.object({
  kind: z.literal("report"),
  schemaVersion: z.literal(SCHEMA_VERSION),
  tool: toolSchema,
  target: targetSchema,
  request: requestSchema,
  startedAt: z.string(),
  durationMs: z.number(),
  complete: z.boolean().describe("false when the run was interrupted or hit --max-time"),
  interruption: interruptionSchema.nullable(),
  resolution: resolutionSchema,
  legs: z
    .object({ origin: legSchema.optional(), "origin-h2": legSchema.optional(), edge: edgeLegSchema.optional() })
    .describe("each leg that was planned, by name"),
  findings: z.array(findingSchema),
  causes: z.array(rankedCauseSchema),
  notChecked: z.array(notCheckedSchema),
  verdict: verdictSchema,
  sslModes: z
    .array(sslModeRowSchema)
    .describe("the verdict under each SSL mode, as far as this run's evidence reaches (off, flexible, full, strict)"),
  reproduce: z.object({ curl: z.string().describe("a curl command that makes the same request the same way") }),
  redacted: z.array(z.string()).describe("header names whose values were replaced by [REDACTED] in every output"),
  series: seriesSchema.optional().describe("present when the request was sampled repeatedly (--repeat, --for)"),
});

/** What the CLI prints: a report plus the exit code the run ended with. */
export const reportDocumentSchema = reportSchema.extend({ exitCode: z.number().int() });

export const errorDocumentSchema = z.object({
  kind: z.literal("error"),
  schemaVersion: z.literal(SCHEMA_VERSION),
  tool: toolSchema,
  error: z.object({
    type: z.enum(["usage", "internal"]),
    message: z.string(),
  }),
  exitCode: z.number().int(),
});

export const outputDocumentSchema = z.discriminatedUnion("kind", [reportDocumentSchema, errorDocumentSchema]);

/**
 * The schema types each finding's evidence by its code; code that builds findings gets that
 * guarantee from `finding()` (findings/catalogue.ts), so the report carries the runtime type.
 */
export type Report = Omit<z.infer<typeof reportSchema>, "findings"> & { findings: Finding[] };
export type ReportDocument = Report & { exitCode: number };
export type ErrorDocument = z.infer<typeof errorDocumentSchema>;
export type ReportFinding = z.infer<typeof findingSchema>;
export type Resolution = z.infer<typeof resolutionSchema>;
export type LegReport = z.infer<typeof legSchema>;
export type EdgeLegReport = z.infer<typeof edgeLegSchema>;
export type EdgeAnswer = z.infer<typeof edgeAnswerSchema>;
export type LegPhaseResult = z.infer<typeof legPhaseSchema>;
export type DnsFacts = z.infer<typeof dnsFactsSchema>;
export type TcpFacts = z.infer<typeof tcpFactsSchema>;
export type TlsFacts = z.infer<typeof tlsFactsSchema>;
export type HttpFacts = z.infer<typeof httpFactsSchema>;
export type Http2Facts = z.infer<typeof http2FactsSchema>;
export type H2ExchangeFacts = z.infer<typeof h2ExchangeFactsSchema>;
export type H2FrameFacts = z.infer<typeof h2FrameSchema>;
export type ResponseHead = z.infer<typeof responseHeadSchema>;
export type CertificateFacts = z.infer<typeof certificateSchema>;
export type Target = z.infer<typeof targetSchema>;
export type RequestFacts = z.infer<typeof requestSchema>;
export type RankedCause = z.infer<typeof rankedCauseSchema>;
export type NotChecked = z.infer<typeof notCheckedSchema>;
export type Verdict = z.infer<typeof verdictSchema>;
export type Interruption = z.infer<typeof interruptionSchema>;
export type SslModeRow = z.infer<typeof sslModeRowSchema>;

/** JSON Schema for `diag520 schema`. */
export function outputJsonSchema(): unknown {
  return z.toJSONSchema(outputDocumentSchema, { target: "draft-2020-12" });
}
