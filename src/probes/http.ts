/**
 * Phase 4: writes the raw request on the connected socket (plain TCP or TLS) and reads the raw
 * response back with hard caps (DESIGN.md: a high-level client would normalise or reject exactly
 * the bytes the user needs to see). It stops as soon as the response is complete, so a keep-alive
 * origin is not waited on, and returns promptly when `signal` aborts.
 */
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { type ExchangeEnd, responseFindings } from "../checks/response-findings.js";
import { exceededDeadline } from "../deadline.js";
import type { ParsedHead } from "../http/head-parser.js";
import { buildRawRequest } from "../http/request.js";
import { ResponseReader, type ResponseRecord } from "../http/response-reader.js";
import type { HttpFacts, ResponseHead } from "../report/schema.js";
import { roundMs } from "../text/round-ms.js";
import type { PipelineState, Probe, ProbeResult } from "./probe.js";

/** The report keeps at most this much of the raw final head. */
const RAW_HEAD_REPORT_CAP = 64 * 1024;

export const httpProbe: Probe<"http"> = {
  name: "http",
  notApplicable: () => null,
  run: runHttpProbe,
};

async function runHttpProbe(state: PipelineState, signal: AbortSignal): Promise<ProbeResult<"http">> {
  const started = performance.now();
  const request = buildRawRequest(state.request);
  const { options } = state;
  const reader = new ResponseReader({
    method: state.request.method,
    maxHeaderSize: options.maxHeaderSize,
    maxBodyBytes: options.maxBodyBytes,
  });
  const socket = state.socket;
  const exchange =
    socket === null ? noSocket(started) : await exchangeOnSocket(socket, request, reader, signal, started);
  const record = reader.record();
  const findings = responseFindings(record, exchange.end, options);
  state.responseBody = record.body;
  return {
    ok: !findings.some((item) => item.severity === "error"),
    summary: summarise(record, exchange.end),
    facts: httpFacts(request, record, exchange),
    findings,
  };
}

interface Exchange {
  readonly end: ExchangeEnd;
  readonly firstByteMs: number | null;
  readonly headMs: number | null;
  readonly completeMs: number | null;
}

function noSocket(started: number): Exchange {
  const end: ExchangeEnd = { kind: "error", errorCode: "ENOTCONN", during: "write", elapsedMs: 0, timeoutMs: null };
  return { end: { ...end, elapsedMs: performance.now() - started }, firstByteMs: null, headMs: null, completeMs: null };
}

/** Writes the request and feeds the reader until it is satisfied, or the socket ends, fails or the deadline fires. */
function exchangeOnSocket(
  socket: Socket,
  request: Buffer,
  reader: ResponseReader,
  signal: AbortSignal,
  started: number,
): Promise<Exchange> {
  return new Promise((resolve) => {
    const since = () => performance.now() - started;
    let firstByteMs: number | null = null;
    let headMs: number | null = null;
    let written = false;
    let settled = false;

    const finish = (kind: ExchangeEnd["kind"], errorCode: string | null = null) => {
      if (settled) return;
      settled = true;
      const elapsedMs = since();
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("close", onEnd);
      socket.off("error", onError);
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      const completeMs = reader.responseComplete ? elapsedMs : null;
      const during = written || kind === "timeout" ? "read" : "write";
      const timeoutMs = kind === "timeout" ? (exceededDeadline(signal)?.ms ?? Math.round(elapsedMs)) : null;
      resolve({ end: { kind, errorCode, during, elapsedMs, timeoutMs }, firstByteMs, headMs, completeMs });
    };
    const onData = (chunk: Buffer) => {
      firstByteMs ??= since();
      reader.push(chunk);
      if (headMs === null && reader.headComplete) headMs = since();
      if (reader.finished) finish("complete");
    };
    // 'close' without 'end' (destroyed under us) is read like a clean close: no error was reported.
    const onEnd = () => {
      reader.endOfStream();
      finish(reader.finished ? "complete" : "closed");
    };
    const onError = (error: Error) => finish(...classifyReadError(error));
    const onAbort = () => finish("timeout");

    // Whatever happens after we stop listening (a late reset) must not crash the process.
    socket.on("error", ignoreLateError);
    if (signal.aborted) return finish("timeout");
    if (socket.destroyed) {
      // Closed before the probe started: by a reset (kept on `errored`) or cleanly.
      const earlier = socket.errored;
      return earlier ? finish(...classifyReadError(earlier)) : finish("closed");
    }
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("close", onEnd);
    socket.on("error", onError);
    signal.addEventListener("abort", onAbort, { once: true });
    socket.write(request, (error) => {
      if (error) onError(error);
      else written = true;
    });
    socket.resume();
  });
}

function ignoreLateError(): void {}

/** ECONNRESET, or EPIPE on a write, is a reset (RFC 9293 RST); anything else is a socket error. */
function classifyReadError(error: Error): ["reset" | "error", string | null] {
  const code = (error as NodeJS.ErrnoException).code ?? null;
  return [code === "ECONNRESET" || code === "EPIPE" ? "reset" : "error", code];
}

function httpFacts(request: Buffer, record: ResponseRecord, exchange: Exchange): HttpFacts {
  const rawHead = record.rawHead ?? Buffer.alloc(0);
  const head = record.head ?? record.partialHead;
  return {
    request: { raw: request.toString("latin1"), bytes: request.length },
    response: {
      bytesReceived: record.bytesReceived,
      interim: record.interim.map(headFacts),
      head: head === null ? null : headFacts(head),
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
  if (end.kind !== "complete") return end.kind;
  switch (record.stop) {
    case "head_cap":
    case "body_cap":
      return "read_cap";
    case "invalid_framing":
    case "broken_chunks":
      return "error";
    default:
      return "complete";
  }
}

function summarise(record: ResponseRecord, end: ExchangeEnd): string {
  const ms = `${Math.round(end.elapsedMs)} ms`;
  if (record.head !== null) {
    const body = record.bodyComplete ? `${record.bodyBytes} body bytes` : `${record.bodyBytes} body bytes (incomplete)`;
    return `${record.head.statusLine} · ${body} · ${ms}`;
  }
  if (record.noStatusLine) return `no status line: ${record.bytesReceived} bytes of HTTP/0.9-style reply · ${ms}`;
  switch (end.kind) {
    case "closed":
      return record.bytesReceived === 0
        ? `connection closed without a response after ${ms}`
        : `connection closed after ${record.bytesReceived} bytes, inside the response head`;
    case "reset":
    case "error":
      return `connection failed (${end.errorCode ?? "socket error"}) after ${record.bytesReceived} bytes · ${ms}`;
    case "timeout":
      return `no complete response head within ${ms} (${record.bytesReceived} bytes received)`;
    case "complete":
      return `response head over the read cap (at least ${record.rawHead?.length ?? 0} bytes)`;
  }
}

function roundOrNull(ms: number | null): number | null {
  return ms === null ? null : roundMs(ms);
}
