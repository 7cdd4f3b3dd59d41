/**
 * checkHttp2, checkH2Leg and compareLegs in-process: one row per way an HTTP/2 exchange with the
 * origin can end, the findings pinned by code, severity and the evidence that matters.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkH2Leg } from "../../src/checks/check-h2-leg.js";
import { compareLegs } from "../../src/checks/compare-legs.js";
import { checkHttp2, frameLine } from "../../src/checks/http2.js";
import { type Finding, finding } from "../../src/findings/catalogue.js";
import type { H2Exchange } from "../../src/h2/exchange.js";
import type { FrameRecord } from "../../src/h2/frames.js";
import { buildVisitorRequest } from "../../src/http/request.js";
import type { H2LegObservation, H2Outcome, H2Retry, TlsOutcome } from "../../src/legs/observation.js";
import { originH2LegSpec } from "../../src/legs/origin-leg.js";
import { DEFAULTS, type DiagnoseRequest } from "../../src/options.js";
import { ran } from "../support/hand-built-leg.js";

const REQUEST: DiagnoseRequest = {
  hostname: "origin.test",
  displayHostname: "origin.test",
  origin: null,
  scheme: "https",
  port: 443,
  path: "/",
  method: "GET",
  headers: [],
  userAgent: DEFAULTS.userAgent,
};

const SPEC = originH2LegSpec(
  REQUEST,
  {
    timeoutMs: 5_000,
    maxTimeMs: null,
    maxHeaderSize: 8192,
    maxBodyBytes: 1024,
    extraCaPem: [],
    dnsServers: [],
    redact: [],
  },
  "127.0.0.1",
  buildVisitorRequest(REQUEST),
);

const frame = (parts: Partial<FrameRecord> & Pick<FrameRecord, "direction" | "type">): FrameRecord => ({
  typeCode: 0,
  streamId: 0,
  flags: [],
  length: 0,
  ...parts,
});
const SERVER_SETTINGS = frame({ direction: "received", type: "SETTINGS", typeCode: 4, settings: {} });
const OK_RESPONSE = {
  status: 200,
  headers: [
    [":status", "200"],
    ["content-length", "3"],
  ] as Array<[string, string]>,
  bodyBytes: 3,
  body: Buffer.from("ok\n"),
  complete: true,
  trailers: null,
};

function exchange(parts: Partial<H2Exchange> = {}): H2Exchange {
  return {
    frames: [SERVER_SETTINGS],
    framesDropped: 0,
    notHttp2: null,
    remoteSettings: {},
    response: OK_RESPONSE,
    end: "complete",
    malformedHeaders: [],
    timings: { firstFrameMs: 1, headersMs: 2, completeMs: 3 },
    ...parts,
  };
}

const reset = (errorCode: string, by: "origin" | "client" = "origin", response: H2Exchange["response"] = null) =>
  exchange({
    end: "stream_reset",
    streamError: errorCode,
    streamResetBy: by,
    response,
    frames: [
      SERVER_SETTINGS,
      frame({ direction: by === "origin" ? "received" : "sent", type: "RST_STREAM", streamId: 1, errorCode }),
    ],
  });
const goaway = (errorCode: string, lastStreamId = 0) =>
  exchange({
    end: "goaway",
    response: null,
    goaway: { by: "origin", errorCode, lastStreamId, debugData: "bye" },
  });
const exchanged = (x: H2Exchange, reason: H2Retry["reason"] = "refused_stream"): H2Retry => ({
  reason,
  kind: "exchanged",
  exchange: x,
  stop: null,
});

const ESTABLISHED: TlsOutcome = {
  kind: "established",
  protocol: "TLSv1.3",
  cipher: "TLS_AES_128_GCM_SHA256",
  alpn: "h2",
  certificate: {
    chain: [],
    trusted: true,
    hostnameMatches: true,
    verifyError: null,
    pathVerified: true,
    extraCaCount: 0,
    checkedAt: "2026-01-01T00:00:00.000Z",
    problems: [],
  },
  elapsedMs: 1,
  bytes: { bytesWritten: 1, bytesRead: 1 },
};

function leg(first: H2Exchange, parts: Partial<Omit<H2Outcome, "exchange">> = {}): H2LegObservation {
  return {
    spec: SPEC,
    tcp: ran({ kind: "connected", elapsedMs: 1, localAddress: "127.0.0.1", localPort: 50_000 }),
    tls: ran(ESTABLISHED),
    http2: ran(
      {
        request: { authority: "origin.test", fields: [[":method", "GET"]] },
        exchange: first,
        stop: null,
        retry: null,
        ...parts,
      },
      5_000,
    ),
  };
}

const summary = (findings: readonly Finding[]) =>
  findings.map((f) => `${f.severity} ${f.code}${f.edgeStatus === null ? "" : ` ${f.edgeStatus}`}`);

interface Row {
  readonly name: string;
  readonly leg: H2LegObservation;
  readonly expected: readonly string[];
  readonly evidence?: Readonly<Record<string, unknown>>;
}

const ROWS: readonly Row[] = [
  { name: "a complete, well-formed response", leg: leg(exchange()), expected: [] },
  {
    name: "a connection-specific field, refused by node with RST_STREAM PROTOCOL_ERROR",
    leg: leg({
      ...reset("PROTOCOL_ERROR", "client", OK_RESPONSE),
      malformedHeaders: [{ name: "connection", value: "keep-alive", why: "connection_specific_field" }],
    }),
    expected: ["error http2.malformed_response 520"],
    evidence: { fields: ["connection: keep-alive"], problems: ["connection_specific_field"], status: 200 },
  },
  {
    name: "no :status",
    leg: leg({
      ...reset("PROTOCOL_ERROR", "client"),
      malformedHeaders: [{ name: ":status", value: "", why: "missing_status" }],
    }),
    expected: ["error http2.malformed_response 520"],
  },
  {
    name: "RST_STREAM INTERNAL_ERROR from the origin",
    leg: leg(reset("INTERNAL_ERROR")),
    expected: ["error http2.stream_reset 520"],
    evidence: {
      errorCode: "INTERNAL_ERROR",
      resetBy: "origin",
      frames: ["received SETTINGS stream=0", "received RST_STREAM stream=1 INTERNAL_ERROR"],
    },
  },
  {
    name: "RST_STREAM from node for a fault the tap could not name",
    leg: leg(reset("PROTOCOL_ERROR", "client")),
    expected: ["error http2.stream_reset 520"],
    evidence: { resetBy: "client" },
  },
  {
    name: "RST_STREAM HTTP_1_1_REQUIRED: the edge retries over HTTP/1.1",
    leg: leg(reset("HTTP_1_1_REQUIRED")),
    expected: ["warning http2.http11_required"],
  },
  {
    name: "GOAWAY PROTOCOL_ERROR",
    leg: leg(goaway("PROTOCOL_ERROR", 1)),
    expected: ["error http2.goaway 520"],
    evidence: { errorCode: "PROTOCOL_ERROR", lastStreamId: 1, debugData: "bye" },
  },
  {
    name: "HTTP/1.1 after selecting h2: the edge falls back to HTTP/1.1",
    leg: leg(
      exchange({
        end: "session_error",
        response: null,
        notHttp2: {
          expected: "SETTINGS frame",
          firstBytes: "HTTP/1.1 200 OK\r\n",
          looksLikeHttp1: true,
          direction: "received",
        },
        sessionErrorCode: "ERR_HTTP2_ERROR",
      }),
    ),
    expected: ["warning http2.not_http2"],
    evidence: { looksLikeHttp1: true, firstBytes: "HTTP/1.1 200 OK\r\n" },
  },
  {
    name: "SETTINGS_INITIAL_WINDOW_SIZE 2^31",
    leg: leg(
      exchange({
        end: "session_error",
        response: null,
        frames: [
          frame({ direction: "received", type: "SETTINGS", settings: { SETTINGS_INITIAL_WINDOW_SIZE: 2 ** 31 } }),
          frame({ direction: "sent", type: "GOAWAY", errorCode: "FLOW_CONTROL_ERROR", lastStreamId: 0 }),
        ],
        goaway: { by: "client", errorCode: "FLOW_CONTROL_ERROR", lastStreamId: 0, debugData: "" },
      }),
    ),
    expected: ["error http2.bad_settings 520"],
    evidence: { setting: "SETTINGS_INITIAL_WINDOW_SIZE", value: 2 ** 31, problem: "value_out_of_range" },
  },
  {
    name: "SETTINGS_ENABLE_PUSH 1 from a server",
    leg: leg(
      exchange({
        end: "session_error",
        response: null,
        frames: [frame({ direction: "received", type: "SETTINGS", settings: { SETTINGS_ENABLE_PUSH: 1 } })],
      }),
    ),
    expected: ["error http2.bad_settings 520"],
  },
  {
    name: "a SETTINGS frame of the wrong length",
    leg: leg(
      exchange({
        end: "session_error",
        response: null,
        frames: [frame({ direction: "received", type: "SETTINGS", violation: "wrong_payload_length" })],
      }),
    ),
    expected: ["error http2.bad_settings 520"],
    evidence: { setting: null, problem: "wrong_payload_length" },
  },
  {
    name: "the connection rejected otherwise",
    leg: leg(exchange({ end: "session_error", response: null, sessionErrorCode: "ERR_HTTP2_ERROR" })),
    expected: ["error http2.connection_error 520"],
    evidence: { problem: "rejected", sessionErrorCode: "ERR_HTTP2_ERROR" },
  },
  {
    name: "closed before any response",
    leg: leg(exchange({ end: "closed", response: null })),
    expected: ["error http2.connection_error 520"],
    evidence: { problem: "closed_before_response" },
  },
  {
    name: "closed in the middle of the body",
    leg: leg(exchange({ end: "closed", response: { ...OK_RESPONSE, complete: false } })),
    expected: ["error http2.connection_error 520"],
    evidence: { problem: "closed_mid_response", status: 200 },
  },
  {
    name: "no response before the phase deadline",
    leg: leg(exchange({ end: "timeout", response: null }), {
      stop: { kind: "deadline", deadline: "phase", ms: 1_000 },
    }),
    expected: ["error http2.response_timeout 524"],
    evidence: { timeoutMs: 1_000, deadline: "phase", responseStarted: false },
  },
  {
    name: "Ctrl-C: nothing about the origin",
    leg: leg(exchange({ end: "aborted", response: null }), { stop: { kind: "cancelled" } }),
    expected: [],
  },
  {
    name: "REFUSED_STREAM, and the retry is answered",
    leg: leg(reset("REFUSED_STREAM"), { retry: exchanged(exchange()) }),
    expected: ["warning http2.refused_stream"],
    evidence: { retried: true, retryEnd: "complete", retryErrorCode: null },
  },
  {
    name: "REFUSED_STREAM twice",
    leg: leg(reset("REFUSED_STREAM"), { retry: exchanged(reset("REFUSED_STREAM")) }),
    expected: ["error http2.refused_stream 520"],
    evidence: { retried: true, retryEnd: "stream_reset", retryErrorCode: "REFUSED_STREAM" },
  },
  {
    name: "REFUSED_STREAM, then the fresh connection is refused at TCP",
    leg: leg(reset("REFUSED_STREAM"), {
      retry: { reason: "refused_stream", kind: "no_exchange", failedAt: "tcp", errorCode: "ECONNREFUSED", alpn: null },
    }),
    expected: ["error http2.refused_stream 520"],
    evidence: { retryEnd: "no_exchange_tcp", retryErrorCode: "ECONNREFUSED" },
  },
  {
    name: "REFUSED_STREAM, then a malformed response on the retry: judged on its own",
    leg: leg(reset("REFUSED_STREAM"), {
      retry: exchanged({
        ...reset("PROTOCOL_ERROR", "client", OK_RESPONSE),
        malformedHeaders: [{ name: "upgrade", value: "h2c", why: "connection_specific_field" }],
      }),
    }),
    expected: ["warning http2.refused_stream", "error http2.malformed_response 520"],
  },
  {
    name: "GOAWAY NO_ERROR before answering, and the retry is answered",
    leg: leg(goaway("NO_ERROR"), { retry: exchanged(exchange(), "goaway_no_error") }),
    expected: ["warning http2.goaway_before_response"],
    evidence: { lastStreamId: 0, retried: true, retryEnd: "complete" },
  },
  {
    name: "GOAWAY NO_ERROR, then REFUSED_STREAM on the retry",
    leg: leg(goaway("NO_ERROR"), { retry: exchanged(reset("REFUSED_STREAM"), "goaway_no_error") }),
    expected: ["error http2.goaway_before_response 520"],
  },
  {
    name: "SETTINGS_MAX_CONCURRENT_STREAMS 1: context",
    leg: leg(exchange({ remoteSettings: { SETTINGS_MAX_CONCURRENT_STREAMS: 1 } })),
    expected: ["info http2.few_concurrent_streams"],
    evidence: { maxConcurrentStreams: 1, recommendedMinimum: 100 },
  },
  {
    name: "SETTINGS_MAX_CONCURRENT_STREAMS 128: nothing to say",
    leg: leg(exchange({ remoteSettings: { SETTINGS_MAX_CONCURRENT_STREAMS: 128 } })),
    expected: [],
  },
];

describe("checkHttp2: each way an HTTP/2 exchange ends, as the edge meets it", () => {
  for (const row of ROWS) {
    test(`${row.name}: ${row.expected.join(", ") || "nothing"}`, () => {
      const findings = checkHttp2(row.leg);
      assert.deepEqual(summary(findings), row.expected);
      for (const f of findings) {
        assert.equal(f.leg, "origin-h2");
        assert.equal(f.phase, "http2");
        assert.ok(f.detail.length > 0);
      }
      if (row.evidence !== undefined) {
        const last = findings.at(-1);
        for (const [key, value] of Object.entries(row.evidence)) assert.deepEqual(last?.evidence[key], value, key);
      }
    });
  }

  test("a phase that did not run (the origin selected http/1.1) says nothing", () => {
    const notSelected: H2LegObservation = {
      ...leg(exchange()),
      http2: { status: "not_run", because: "h2_not_selected" },
    };
    assert.deepEqual(checkHttp2(notSelected), []);
  });

  test("every error's detail names the stopgap or what the edge does", () => {
    for (const row of ROWS) {
      for (const f of checkHttp2(row.leg).filter((x) => x.severity === "error")) {
        assert.match(f.detail, /edge/, `${row.name}: ${f.detail}`);
      }
    }
  });

  test("frame lines say who sent what", () => {
    assert.equal(
      frameLine(
        frame({ direction: "received", type: "GOAWAY", errorCode: "PROTOCOL_ERROR", lastStreamId: 1, debugData: "x" }),
      ),
      'received GOAWAY stream=0 PROTOCOL_ERROR last_stream=1 debug="x"',
    );
    assert.equal(
      frameLine(
        frame({ direction: "sent", type: "HEADERS", streamId: 1, flags: ["END_STREAM", "END_HEADERS"], length: 40 }),
      ),
      "sent HEADERS stream=1 END_STREAM|END_HEADERS 40 bytes",
    );
    assert.equal(
      frameLine(frame({ direction: "received", type: "SETTINGS", settings: { SETTINGS_MAX_CONCURRENT_STREAMS: 1 } })),
      "received SETTINGS stream=0 MAX_CONCURRENT_STREAMS=1",
    );
  });
});

describe("checkH2Leg: the connection is judged once", () => {
  test("a refusal the origin leg already reported is not repeated for the h2 leg", () => {
    const refused = {
      ...leg(exchange()),
      tcp: ran({
        kind: "failed" as const,
        elapsedMs: 1,
        failure: { kind: "refused" as const, errorCode: "ECONNREFUSED" },
      }),
      http2: { status: "not_run" as const, because: "earlier_phase_failed" as const },
    };
    const fromOrigin = checkH2Leg(refused, []);
    assert.deepEqual(summary(fromOrigin), ["error tcp.refused 521"]);
    const originFinding = { ...(fromOrigin[0] as Finding), leg: "origin" as const };
    assert.deepEqual(checkH2Leg(refused, [originFinding]), []);
  });

  test("the certificate is not judged again on the h2 leg", () => {
    const untrusted: H2LegObservation = {
      ...leg(exchange()),
      tls: ran({
        ...ESTABLISHED,
        certificate: {
          ...ESTABLISHED.certificate,
          trusted: false,
          problems: [{ kind: "untrusted", why: "self_signed", subject: "CN=x", issuer: "CN=x" }],
        },
      }),
    };
    assert.deepEqual(checkH2Leg(untrusted, []), []);
  });
});

describe("compareLegs", () => {
  const noAlpn = finding("tls.handshake_failed", "error", { leg: "origin", phase: "tls" }, "alert", {
    servername: "origin.test",
    errorCode: "ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL",
    reason: null,
    alert: "no_application_protocol",
    timedOut: false,
    elapsedMs: 1,
    timeoutMs: null,
    deadline: null,
    bytesWritten: 1,
    bytesRead: 1,
  });

  test("an h2-only origin refusing http/1.1 alone is a warning while the edge gets h2", () => {
    const [only] = compareLegs([noAlpn], leg(exchange()));
    assert.equal(only?.severity, "warning");
    assert.equal(only?.edgeStatus, null);
    assert.match(only?.detail ?? "", /HTTP\/2 to Origin turned off/);
    assert.deepEqual(only?.evidence, noAlpn.evidence);
  });

  test("without the h2 leg (--no-h2) it stays the 525 it is", () => {
    assert.deepEqual(compareLegs([noAlpn], null), [noAlpn]);
  });
});
