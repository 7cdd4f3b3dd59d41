/**
 * The shape of the one JSON document that `--json` prints, as zod schemas.
 * This file is the single source of truth: runtime code imports only the inferred types
 * (`import type`), so zod — about 70 ms to load — stays off the diagnosis path and is loaded
 * only by `diag520 schema` and by the tests that validate real output against it.
 */
import { z } from "zod";
import { FINDING_CODES } from "../findings/catalogue.js";

import { SCHEMA_VERSION } from "./schema-version.js";

export { SCHEMA_VERSION };

const phaseName = z.enum(["dns", "tcp", "tls", "http"]);
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

const evidenceValue = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.string()),
  z.array(z.number()),
]);

export const findingSchema = z.object({
  code: z.enum(FINDING_CODES as [string, ...string[]]),
  severity: z.enum(["error", "warning", "info"]),
  phase: phaseName,
  title: z.string(),
  detail: z.string(),
  evidence: z.record(z.string(), evidenceValue),
  edgeStatus: edgeStatus.nullable(),
});

export const dnsFactsSchema = z.object({
  hostname: z.string(),
  resolvers: z.array(z.string()).describe("DNS servers asked; empty when the system resolver (getaddrinfo) was used"),
  hostnameAddresses: z.array(z.string()),
  hostnameCnames: z.array(z.string()),
  hostnameProxied: z.boolean().nullable().describe("true when the hostname resolves into the CDN's published ranges"),
  origin: z.string().nullable().describe("--origin as given, or null"),
  originAddresses: z.array(z.string()),
  address: z.string().nullable().describe("the address that later phases connect to"),
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
  protocol: z.string().nullable(),
  cipher: z.string().nullable(),
  alpn: z.string().nullable(),
  chain: z.array(certificateSchema).describe("leaf first, as the origin sent it"),
  trusted: z.boolean().nullable(),
  hostnameMatches: z.boolean().nullable(),
  verifyError: z.string().nullable().describe("OpenSSL's verification code for the chain, if any"),
  errorCode: z.string().nullable(),
});

const headerField = z.tuple([z.string(), z.string()]).describe("[name, value] exactly as received");

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
    head: responseHeadSchema.nullable(),
    rawHead: wireText.describe("the final response head as received, capped for the report"),
    rawHeadTruncated: z.boolean(),
    framing: z.enum(["chunked", "content-length", "close", "none"]).nullable(),
    contentLength: z.number().nullable(),
    bodyBytes: z.number().int().describe("body bytes read (after chunked decoding)"),
    bodyComplete: z.boolean(),
    end: z.enum(["complete", "closed", "reset", "timeout", "read_cap", "error"]),
    firstByteMs: z.number().nullable(),
    headMs: z.number().nullable(),
    completeMs: z.number().nullable(),
  }),
});

const phaseBase = {
  status: z.enum(["passed", "failed", "skipped"]),
  startedAt: z.string().nullable(),
  durationMs: z.number().nullable().describe("null when the phase never ran"),
  summary: z.string(),
  skipReason: z.string().nullable(),
};

export const phaseResultSchema = z.discriminatedUnion("name", [
  z.object({ name: z.literal("dns"), ...phaseBase, facts: dnsFactsSchema.nullable() }),
  z.object({ name: z.literal("tcp"), ...phaseBase, facts: tcpFactsSchema.nullable() }),
  z.object({ name: z.literal("tls"), ...phaseBase, facts: tlsFactsSchema.nullable() }),
  z.object({ name: z.literal("http"), ...phaseBase, facts: httpFactsSchema.nullable() }),
]);

export const targetSchema = z.object({
  hostname: z.string().describe("ASCII form, used for DNS, SNI and the Host header"),
  displayHostname: z.string().describe("as the user would read it (Unicode for an IDN)"),
  origin: z.string().nullable(),
  scheme: z.enum(["http", "https"]),
  port: z.number().int(),
  path: z.string(),
  method: z.string(),
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

export const verdictSchema = z.object({
  ok: z.boolean().describe("false when at least one finding would make the CDN fail the request"),
  edgeStatus: edgeStatus.nullable(),
  summary: z.string(),
});

const toolSchema = z.object({ name: z.literal("diag520"), version: z.string() });

export const reportSchema = z.object({
  kind: z.literal("report"),
  schemaVersion: z.literal(SCHEMA_VERSION),
  tool: toolSchema,
  target: targetSchema,
  startedAt: z.string(),
  durationMs: z.number(),
  complete: z.boolean().describe("false when the run was interrupted or hit --max-time"),
  interruption: z.string().nullable(),
  phases: z.array(phaseResultSchema),
  findings: z.array(findingSchema),
  causes: z.array(rankedCauseSchema),
  notChecked: z.array(notCheckedSchema),
  verdict: verdictSchema,
  reproduce: z.object({ curl: z.string().describe("a curl command that makes the same request the same way") }),
  redacted: z.array(z.string()).describe("header names whose values were replaced by [REDACTED] in every output"),
  exitCode: z.number().int(),
});

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

export const outputDocumentSchema = z.discriminatedUnion("kind", [reportSchema, errorDocumentSchema]);

export type Report = z.infer<typeof reportSchema>;
export type ErrorDocument = z.infer<typeof errorDocumentSchema>;
export type PhaseResult = z.infer<typeof phaseResultSchema>;
export type DnsFacts = z.infer<typeof dnsFactsSchema>;
export type TcpFacts = z.infer<typeof tcpFactsSchema>;
export type TlsFacts = z.infer<typeof tlsFactsSchema>;
export type HttpFacts = z.infer<typeof httpFactsSchema>;
export type ResponseHead = z.infer<typeof responseHeadSchema>;
export type CertificateFacts = z.infer<typeof certificateSchema>;
export type Target = z.infer<typeof targetSchema>;
export type RankedCause = z.infer<typeof rankedCauseSchema>;
export type NotChecked = z.infer<typeof notCheckedSchema>;
export type Verdict = z.infer<typeof verdictSchema>;

/** JSON Schema for `diag520 schema`. */
export function outputJsonSchema(): unknown {
  return z.toJSONSchema(outputDocumentSchema, { target: "draft-2020-12" });
}
