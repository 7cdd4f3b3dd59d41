/**
 * The origin leg of one proxied visitor request: connect (TCP, then TLS under Full and Full
 * strict), send the forwarded request, read the response head. Its result is either the
 * origin's response, to stream to the visitor, or the answer the edge makes instead, with the
 * outcome for the log. `originMs` is the edge's own measure of the origin's time (connect to
 * head), what `Server-Timing: cfOrigin` reports.
 */
import type { Socket } from "node:net";
import type { Readable } from "node:stream";
import type { SecureContext } from "node:tls";
import type { BodyFraming } from "./body-framing.js";
import { connectToOrigin } from "./connect-origin.js";
import { type AnswerContext, answerEdgeError, type EdgeAnswer } from "./edge-answer.js";
import type { OriginOutcome, ProxyRoute } from "./edge-types.js";
import { exchangeWithOrigin } from "./exchange-with-origin.js";
import { originRequestHead, type VisitorRequest } from "./forwarded-headers.js";
import { FAILURE_STATUS } from "./origin-outcomes.js";
import type { ResponseHead } from "./response-head.js";

export interface OriginLegSpec {
  readonly route: ProxyRoute;
  readonly visitor: VisitorRequest;
  readonly body: Buffer;
  readonly answer: AnswerContext;
  /** Client TLS contexts: `full` with the default roots, `strict` with the extra anchors too. */
  readonly contexts: { readonly full: SecureContext; readonly strict: SecureContext };
  readonly sourceAddress: string | undefined;
  readonly connectTimeoutMs: number;
  readonly readTimeoutMs: number;
  readonly track: (socket: Socket) => void;
}

export type OriginLegResult =
  | {
      readonly kind: "edge-answer";
      readonly answer: EdgeAnswer;
      readonly outcome: OriginOutcome;
      readonly originStatus: number | null;
      readonly originMs: number;
    }
  | {
      readonly kind: "origin-response";
      readonly head: ResponseHead;
      readonly framing: BodyFraming;
      readonly body: Readable;
      readonly originMs: number;
    };

export async function runOriginLeg(spec: OriginLegSpec): Promise<OriginLegResult> {
  const { route } = spec;
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const connected = await connectToOrigin({
    address: route.origin.address,
    port: route.origin.port,
    tls:
      route.sslMode === "flexible"
        ? null
        : {
            servername: route.hostname,
            verify: route.sslMode === "strict",
            secureContext: route.sslMode === "strict" ? spec.contexts.strict : spec.contexts.full,
          },
    sourceAddress: spec.sourceAddress,
    connectTimeoutMs: spec.connectTimeoutMs,
    track: spec.track,
  });
  if (connected.kind === "failed") {
    const answer = answerEdgeError(FAILURE_STATUS[connected.failure], route, spec.answer);
    return { kind: "edge-answer", answer, outcome: connected.failure, originStatus: null, originMs: elapsed() };
  }
  const request = Buffer.concat([originRequestHead(spec.visitor, spec.answer.ray, spec.body.length), spec.body]);
  const exchanged = await exchangeWithOrigin({
    socket: connected.socket,
    request,
    method: spec.visitor.method,
    readTimeoutMs: spec.readTimeoutMs,
  });
  const originMs = elapsed();
  if (exchanged.kind === "failed") {
    const answer = answerEdgeError(FAILURE_STATUS[exchanged.failure], route, spec.answer);
    return { kind: "edge-answer", answer, outcome: exchanged.failure, originStatus: exchanged.originStatus, originMs };
  }
  const status = exchanged.head.status;
  // An origin's own 502 and 504 get Cloudflare's page (same status); 500 and 503 pass through.
  if (status === 502 || status === 504) {
    exchanged.body.destroy();
    return {
      kind: "edge-answer",
      answer: answerEdgeError(status, route, spec.answer),
      outcome: "response",
      originStatus: status,
      originMs,
    };
  }
  return { kind: "origin-response", head: exchanged.head, framing: exchanged.framing, body: exchanged.body, originMs };
}
