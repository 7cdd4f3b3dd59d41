/**
 * A leg's observation as the report shows it: its phases in order, each passed, failed or
 * skipped, with a one-line summary and its facts. A phase failed when its outcome was a failure
 * or a check raised an error about it; a phase that never ran has null timings, not 0.
 */
import type { Finding } from "../findings/catalogue.js";
import type { ExchangeEnd } from "../http/exchange.js";
import type { ParsedHead } from "../http/head-parser.js";
import { PROTOCOL_NAMES, recogniseProtocol } from "../http/recognise-protocol.js";
import type { ResponseRecord } from "../http/response-reader.js";
import type {
  AnyLegPhase,
  H2LegObservation,
  HttpOutcome,
  LegObservation,
  NotRunReason,
  PhaseRun,
  TcpOutcome,
  TlsOutcome,
} from "../legs/observation.js";
import { formatEndpoint } from "../net/endpoint.js";
import { ipFamily } from "../net/ip-literal.js";
import { roundMs } from "../text/round-ms.js";
import type { WithoutSniProbe } from "../tls/inspect-certificate.js";
import type { HttpFacts, Interruption, LegPhaseResult, LegReport, ResponseHead, TcpFacts, TlsFacts } from "./schema.js";
import { describeInterruption } from "./verdict.js";

/** The report keeps at most this much of the raw final head. */
const RAW_HEAD_REPORT_CAP = 64 * 1024;

export function legReport(
  leg: LegObservation,
  findings: readonly Finding[],
  interruption: Interruption | null = null,
): LegReport {
  const { spec } = leg;
  const errorIn = (phase: AnyLegPhase) =>
    findings.some((f) => f.leg === spec.name && f.phase === phase && f.severity === "error");
  return {
    name: spec.name,
    address: spec.address,
    port: spec.port,
    scheme: spec.tls === null ? "http" : "https",
    phases: [
      phaseResult("tcp", leg.tcp, errorIn("tcp"), leg, interruption, tcpFacts, tcpSummary, connectFailed),
      phaseResult("tls", leg.tls, errorIn("tls"), leg, interruption, tlsFacts, tlsSummary, connectFailed),
      phaseResult("http", leg.http, errorIn("http"), leg, interruption, httpFacts, httpSummary, exchangeFailed),
    ] as LegPhaseResult[],
  };
}

/** Either kind of leg: the first two phases are the same. */
export type AnyLegObservation = LegObservation | H2LegObservation;

export function phaseResult<T, F, L extends AnyLegObservation>(
  name: AnyLegPhase,
  run: PhaseRun<T>,
  hasError: boolean,
  leg: L,
  interruption: Interruption | null,
  facts: (outcome: T, leg: L) => F,
  summary: (outcome: T, leg: L) => string,
  /** The outcome itself is a failure (a refused connection, a reset), whether or not a check said so. */
  failed: (outcome: T) => boolean,
) {
  if (run.status === "not_run") {
    const reason = notRunReason(name, run.because, leg, interruption);
    return {
      name,
      status: "skipped",
      startedAt: null,
      durationMs: null,
      deadlineMs: null,
      summary: reason,
      skipReason: reason,
      facts: null,
    };
  }
  const cancelled = isCancelled(run.outcome);
  if (cancelled) {
    const reason = "interrupted before the phase finished";
    return {
      name,
      status: "skipped",
      startedAt: run.startedAt,
      durationMs: run.durationMs,
      deadlineMs: run.deadlineMs,
      summary: reason,
      skipReason: reason,
      facts: null,
    };
  }
  return {
    name,
    status: hasError || failed(run.outcome) ? "failed" : "passed",
    startedAt: run.startedAt,
    durationMs: run.durationMs,
    deadlineMs: run.deadlineMs,
    summary: summary(run.outcome, leg),
    skipReason: null,
    facts: facts(run.outcome, leg),
  };
}

function isCancelled(outcome: unknown): boolean {
  const o = outcome as {
    kind?: string;
    stop?: { kind: string } | null;
    exchange?: { end: ExchangeEnd | string };
  };
  if (o.kind === "stopped" || (o.exchange !== undefined && typeof o.exchange.end === "string"))
    return o.stop?.kind === "cancelled";
  return (o.exchange?.end as ExchangeEnd | undefined)?.stop?.kind === "cancelled";
}

export function connectFailed(outcome: TcpOutcome | TlsOutcome): boolean {
  return outcome.kind === "failed" || outcome.kind === "stopped";
}

/** The exchange broke before the response was whole (a reset, an alert), whatever a check made of it. */
function exchangeFailed(outcome: HttpOutcome): boolean {
  const { end } = outcome.exchange;
  return !outcome.record.bodyComplete && (end.kind === "reset" || end.kind === "error");
}

function notRunReason(
  phase: AnyLegPhase,
  because: NotRunReason,
  leg: AnyLegObservation,
  interruption: Interruption | null,
): string {
  if (because === "stopped")
    return `not run: ${interruption === null ? "the run stopped" : describeInterruption(interruption)}`;
  if (because === "not_applicable") return "the request is plain HTTP: no TLS towards the origin";
  if (because === "h2_not_selected") {
    const alpn = leg.tls.status === "ran" && leg.tls.outcome.kind === "established" ? leg.tls.outcome.alpn : null;
    const selected = alpn === null ? "selected no protocol in ALPN (it does not use ALPN)" : `selected ${alpn} in ALPN`;
    return `the origin ${selected}, not h2: the edge would speak HTTP/1.1 to it, as the origin leg does`;
  }
  const earlier = (phase === "http" || phase === "http2") && leg.tls.status === "ran" ? "tls" : "tcp";
  return `not run: the ${earlier} phase failed`;
}

// --- tcp ---

export function tcpFacts(outcome: TcpOutcome, leg: AnyLegObservation): TcpFacts {
  return {
    address: leg.spec.address,
    port: leg.spec.port,
    family: ipFamily(leg.spec.address) === 6 ? 6 : 4,
    localAddress: outcome.kind === "connected" ? outcome.localAddress : null,
    localPort: outcome.kind === "connected" ? outcome.localPort : null,
    errorCode: outcome.kind === "failed" ? outcome.failure.errorCode : null,
  };
}

const CONNECT_VERBS = {
  refused: "refused the connection",
  reset: "reset the connection right after the handshake",
  timeout: "did not answer",
  unreachable: "is unreachable",
  local: "could not be reached from this machine",
  unknown: "could not be connected to",
} as const;

export function tcpSummary(outcome: TcpOutcome, leg: AnyLegObservation): string {
  const endpoint = formatEndpoint(leg.spec.address, leg.spec.port);
  const ms = roundMs(outcome.elapsedMs);
  switch (outcome.kind) {
    case "connected":
      return `connected to ${endpoint} in ${ms} ms`;
    case "failed":
      return `${endpoint} ${CONNECT_VERBS[outcome.failure.kind]} (${outcome.failure.errorCode ?? "no error code"}) after ${ms} ms`;
    case "stopped":
      return `no answer from ${endpoint} within ${ms} ms`;
  }
}

// --- tls ---

export function tlsFacts(outcome: TlsOutcome, leg: AnyLegObservation): TlsFacts {
  const offer = leg.spec.tls;
  const base = {
    servername: offer?.servername ?? null,
    alpnOffered: [...(offer?.alpn ?? [])],
    protocol: null,
    cipher: null,
    alpn: null,
    chain: [],
    trusted: null,
    hostnameMatches: null,
    verifyError: null,
    withoutSni: null,
  };
  switch (outcome.kind) {
    case "established": {
      const { certificate } = outcome;
      return {
        ...base,
        protocol: outcome.protocol,
        cipher: outcome.cipher,
        alpn: outcome.alpn,
        chain: certificate.chain,
        trusted: certificate.trusted,
        hostnameMatches: certificate.hostnameMatches,
        verifyError: certificate.verifyError,
        errorCode: null,
        withoutSni: withoutSniFacts(certificate.withoutSni ?? null),
      };
    }
    case "failed":
      return { ...base, errorCode: outcome.failure.errorCode };
    case "stopped":
      return { ...base, errorCode: "ETIMEDOUT" };
  }
}

function withoutSniFacts(probe: WithoutSniProbe | null): TlsFacts["withoutSni"] {
  if (probe === null) return null;
  return probe.kind === "failed"
    ? { sameCertificate: null, subject: null, errorCode: probe.errorCode }
    : { sameCertificate: probe.kind === "same", subject: probe.subject, errorCode: null };
}

export function tlsSummary(outcome: TlsOutcome, leg?: AnyLegObservation): string {
  const ms = roundMs(outcome.elapsedMs);
  switch (outcome.kind) {
    case "established": {
      // The HTTP/2 leg meets the certificate the origin leg judges: said once, there.
      if (leg?.spec.transport === "h2") {
        return `${outcome.protocol ?? "TLS"} ${outcome.cipher}, ALPN ${outcome.alpn ?? "none selected"} (${ms} ms)`;
      }
      // What fails the certificate; an Origin CA certificate and one expiring soon are said apart, in the findings.
      const problems = outcome.certificate.problems
        .filter((p) => p.kind !== "origin_ca" && p.kind !== "expiring")
        .map((p) => (p.kind === "untrusted" || p.kind === "verify_error" ? "untrusted" : p.kind.replaceAll("_", " ")));
      const unique = [...new Set(problems)];
      const alpn = outcome.alpn ? `, ALPN ${outcome.alpn}` : "";
      const originCa = outcome.certificate.problems.find((p) => p.kind === "origin_ca");
      const certificate =
        unique.length > 0
          ? unique.join(", ")
          : originCa === undefined
            ? "valid"
            : `from Cloudflare Origin CA${originCa.verified ? "" : " (signature not checked)"}`;
      return `${outcome.protocol ?? "TLS"} ${outcome.cipher}${alpn}, certificate ${certificate} (${ms} ms)`;
    }
    case "failed": {
      const what = outcome.failure.kind === "not_tls" ? "the port does not speak TLS" : "TLS handshake failed";
      const why = outcome.failure.alert ?? outcome.failure.reason ?? outcome.failure.errorCode ?? "connection closed";
      return `${what} (${why})`;
    }
    case "stopped":
      return `no TLS handshake within ${ms} ms`;
  }
}

// --- http ---

function httpFacts(outcome: HttpOutcome): HttpFacts {
  const { record, exchange, requestHead } = outcome;
  const rawHead = record.rawHead ?? Buffer.alloc(0);
  const head = record.head ?? record.partialHead;
  return {
    request: { raw: requestHead.toString("latin1"), bytes: requestHead.length },
    response: {
      bytesReceived: record.bytesReceived,
      interim: record.interim.map(headFacts),
      head: head === null ? null : headFacts(head),
      headComplete: record.head !== null,
      rawHead: rawHead.toString("latin1", 0, Math.min(rawHead.length, RAW_HEAD_REPORT_CAP)),
      rawHeadTruncated: rawHead.length > RAW_HEAD_REPORT_CAP,
      framing: record.framing,
      contentLength: record.contentLength,
      bodyBytes: record.bodyBytes,
      bodyComplete: record.bodyComplete,
      end: factsEnd(record, exchange.end),
      firstByteMs: roundOrNull(exchange.firstByteMs),
      headMs: roundOrNull(exchange.headMs),
      completeMs: roundOrNull(exchange.completeMs),
    },
  };
}

function headFacts(head: ParsedHead): ResponseHead {
  return {
    statusLine: head.statusLine,
    httpVersion: head.httpVersion,
    statusCode: head.statusCode,
    reason: head.reason,
    headers: head.headers.map(([name, value]) => [name, value]),
    headBytes: head.headBytes,
  };
}

function factsEnd(record: ResponseRecord, end: ExchangeEnd): HttpFacts["response"]["end"] {
  switch (end.kind) {
    case "stopped":
      return end.stop?.kind === "cancelled" ? "interrupted" : "timeout";
    case "complete":
      switch (record.stop) {
        case "head_cap":
        case "body_cap":
          return "read_cap";
        case "invalid_framing":
        case "broken_chunks":
        case "not_http":
          return "error";
        default:
          return "complete";
      }
    default:
      return end.kind;
  }
}

function httpSummary(outcome: HttpOutcome): string {
  const { record, exchange } = outcome;
  const end = exchange.end;
  const ms = `${Math.round(end.elapsedMs)} ms`;
  if (record.head !== null) {
    const body = record.bodyComplete ? `${record.bodyBytes} body bytes` : `${record.bodyBytes} body bytes (incomplete)`;
    return `${record.head.statusLine} · ${body} · ${ms}`;
  }
  if (record.noStatusLine) {
    const protocol = recogniseProtocol(record.rawHead?.toString("latin1") ?? record.firstBytes);
    return protocol === null
      ? `no status line: ${record.bytesReceived} bytes that are not an HTTP response · ${ms}`
      : `not HTTP: ${PROTOCOL_NAMES[protocol]} · ${ms}`;
  }
  switch (end.kind) {
    case "closed":
      return record.bytesReceived === 0
        ? `connection closed without a response after ${ms}`
        : `connection closed after ${record.bytesReceived} bytes, inside the response head`;
    case "reset":
    case "error":
      return `connection failed (${end.errorCode ?? "socket error"}) after ${record.bytesReceived} bytes · ${ms}`;
    case "stopped":
      return `no complete response head within ${ms} (${record.bytesReceived} bytes received)`;
    case "complete":
      return `response head over the read cap (at least ${record.rawHead?.length ?? 0} bytes)`;
  }
}

export function roundOrNull(ms: number | null): number | null {
  return ms === null ? null : roundMs(ms);
}

/** A leg that never started (nothing to connect to, or the run stopped first): every phase skipped, with the reason. */
export function notRunLegReport(
  name: LegObservation["spec"]["name"],
  target: { readonly port: number; readonly scheme: "http" | "https" },
  address: string | null,
  reason: string,
): LegReport {
  const skipped = (phase: AnyLegPhase) => ({
    name: phase,
    status: "skipped" as const,
    startedAt: null,
    durationMs: null,
    deadlineMs: null,
    summary:
      phase === "tls" && target.scheme === "http" ? "the request is plain HTTP: no TLS towards the origin" : reason,
    skipReason:
      phase === "tls" && target.scheme === "http" ? "the request is plain HTTP: no TLS towards the origin" : reason,
    facts: null,
  });
  return {
    name,
    address,
    port: target.port,
    scheme: target.scheme,
    phases: [skipped("tcp"), skipped("tls"), skipped(name === "origin-h2" ? "http2" : "http")],
  };
}
