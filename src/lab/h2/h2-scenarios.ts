/**
 * The HTTP/2 faults the lab can stage, as data: what the origin's SETTINGS say, and what it does
 * with a request. Each is an origin that selects `h2` in ALPN and then breaks HTTP/2 in one way
 * the edge meets in the wild (cloudflare/pingora
 * `pingora-core/src/protocols/http/v2/client.rs`; cloudflare-docs `http2-to-origin`). The lab's catalogue refers
 * to them by name (`H2ScenarioName`).
 */
import type { ErrorCodeName, SettingName } from "../../h2/frame-names.js";

export type H2Field = readonly [name: string, value: string];

/** What the fault server does with a request stream once its header block has arrived. */
export type H2Action =
  /** One HEADERS frame with `fields` (written as given: any case, any field), then `body` in one DATA frame. */
  | {
      readonly kind: "respond";
      readonly fields: readonly H2Field[];
      readonly body: string;
      readonly endStreamOnHeaders?: true;
    }
  | { readonly kind: "rst-stream"; readonly errorCode: ErrorCodeName }
  /** GOAWAY naming the request's stream as processed ("request") or none (0), then the connection is closed. */
  | {
      readonly kind: "goaway";
      readonly errorCode: ErrorCodeName;
      readonly lastStreamId: "request" | "none";
      readonly debugData: string;
    }
  | { readonly kind: "silence" };

export interface H2Scenario {
  readonly description: string;
  /** After selecting h2: HTTP/2, starting with these SETTINGS (its preface, RFC 9113 §3.4), or HTTP/1.1 bytes. */
  readonly speaks:
    | { readonly kind: "h2"; readonly settings: ReadonlyArray<readonly [SettingName, number]> }
    | { readonly kind: "http1"; readonly reply: string };
  /** The first request on the server's first connection. */
  readonly firstRequest: H2Action;
  /** Every other request, later connections included. */
  readonly otherRequests: H2Action;
}

const BODY = "ok\n";
const OK_FIELDS: readonly H2Field[] = [
  [":status", "200"],
  ["content-type", "text/plain"],
  ["content-length", String(BODY.length)],
];
const respond = (fields: readonly H2Field[], body = BODY): H2Action => ({ kind: "respond", fields, body });
const healthy = respond(OK_FIELDS);
const always = (action: H2Action) => ({ firstRequest: action, otherRequests: action });
const h2 = (settings: ReadonlyArray<readonly [SettingName, number]> = []) => ({ kind: "h2", settings }) as const;

export const H2_FAULT_SCENARIOS = {
  "connection-header": {
    description: "response HEADERS carry `connection: keep-alive`, a connection-specific field (RFC 9113 §8.2.2)",
    speaks: h2(),
    ...always(respond([...OK_FIELDS, ["connection", "keep-alive"]])),
  },
  "transfer-encoding-header": {
    description: "response HEADERS carry `transfer-encoding: chunked` (RFC 9113 §8.2.2)",
    speaks: h2(),
    ...always(respond([...OK_FIELDS, ["transfer-encoding", "chunked"]])),
  },
  "te-header": {
    description: "response HEADERS carry `te: gzip`; only `trailers` is allowed (RFC 9113 §8.2.2)",
    speaks: h2(),
    ...always(respond([...OK_FIELDS, ["te", "gzip"]])),
  },
  "upper-case-header": {
    description: "response HEADERS carry `X-Upper: 1`; names must be lower-case (RFC 9113 §8.2.1)",
    speaks: h2(),
    ...always(respond([...OK_FIELDS, ["X-Upper", "1"]])),
  },
  "no-status": {
    description: "response HEADERS without `:status` (RFC 9113 §8.3.2)",
    speaks: h2(),
    ...always(respond(OK_FIELDS.filter(([name]) => name !== ":status"))),
  },
  "content-length-mismatch": {
    description: "END_STREAM on the response HEADERS, which say `content-length: 5` (RFC 9113 §8.1.1)",
    speaks: h2(),
    ...always({
      kind: "respond",
      fields: [
        [":status", "200"],
        ["content-type", "text/plain"],
        ["content-length", "5"],
      ],
      body: "",
      endStreamOnHeaders: true,
    }),
  },
  "goaway-protocol-error": {
    description: "answers the request with GOAWAY(PROTOCOL_ERROR) and closes the connection",
    speaks: h2(),
    ...always({
      kind: "goaway",
      errorCode: "PROTOCOL_ERROR",
      lastStreamId: "request",
      debugData: "lab: goaway-protocol-error",
    }),
  },
  "rst-stream-internal-error": {
    description: "answers the request with RST_STREAM(INTERNAL_ERROR)",
    speaks: h2(),
    ...always({ kind: "rst-stream", errorCode: "INTERNAL_ERROR" }),
  },
  "speaks-http1": {
    description: "selects h2 in ALPN, then answers the preface with an HTTP/1.1 response",
    speaks: {
      kind: "http1",
      reply: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n",
    },
    ...always({ kind: "silence" }),
  },
  "http11-required": {
    description: "answers the request with RST_STREAM(HTTP_1_1_REQUIRED) (RFC 9113 §7)",
    speaks: h2(),
    ...always({ kind: "rst-stream", errorCode: "HTTP_1_1_REQUIRED" }),
  },
  "refused-stream-once": {
    description: "RST_STREAM(REFUSED_STREAM) on the first connection's request, healthy afterwards",
    speaks: h2(),
    firstRequest: { kind: "rst-stream", errorCode: "REFUSED_STREAM" },
    otherRequests: healthy,
  },
  "refused-stream-always": {
    description: "RST_STREAM(REFUSED_STREAM) on every request",
    speaks: h2(),
    ...always({ kind: "rst-stream", errorCode: "REFUSED_STREAM" }),
  },
  "goaway-no-error-once": {
    description: "GOAWAY(NO_ERROR, last stream 0) on the first connection's request, healthy afterwards",
    speaks: h2(),
    firstRequest: { kind: "goaway", errorCode: "NO_ERROR", lastStreamId: "none", debugData: "" },
    otherRequests: healthy,
  },
  "bad-settings": {
    description: "SETTINGS_INITIAL_WINDOW_SIZE 2^31, above the 2^31-1 maximum: a FLOW_CONTROL_ERROR (RFC 9113 §6.5.2)",
    speaks: h2([["SETTINGS_INITIAL_WINDOW_SIZE", 2 ** 31]]),
    ...always(healthy),
  },
  "no-response": {
    description: "speaks HTTP/2 (SETTINGS, ACKs, PINGs) but never answers the request",
    speaks: h2(),
    ...always({ kind: "silence" }),
  },
  "max-concurrent-streams-1": {
    description: "healthy, with SETTINGS_MAX_CONCURRENT_STREAMS 1",
    speaks: h2([["SETTINGS_MAX_CONCURRENT_STREAMS", 1]]),
    ...always(healthy),
  },
} as const satisfies Record<string, H2Scenario>;

export type H2ScenarioName = keyof typeof H2_FAULT_SCENARIOS;

export const H2_SCENARIO_NAMES = Object.keys(H2_FAULT_SCENARIOS) as H2ScenarioName[];
