/**
 * One visitor request, start to end: route by Host, answer a 1xxx or a challenge, serve from
 * the cache, or run the origin leg and either stream the origin's response or send the answer
 * the edge made instead. Each request gets its Ray ID first and one log entry.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { SecureContext } from "node:tls";
import {
  type AnswerContext,
  answerChallenge,
  answerEdgeError,
  answerErrorCode,
  answerTooLarge,
  type EdgeAnswer,
} from "./edge-answer.js";
import { cacheKey, type EdgeCache, teeForCache } from "./edge-cache.js";
import type { EdgeLogEntry, EdgeRoute, OriginOutcome, ProxyRoute } from "./edge-types.js";
import { visitorResponseFields } from "./forwarded-headers.js";
import { runOriginLeg } from "./proxy-to-origin.js";
import { newRayId } from "./ray-id.js";
import { edgeFields, sendAnswer, sendCached, sendStream, serverTiming, writableFields } from "./visitor-response.js";

export interface EdgeConfig {
  readonly routes: ReadonlyMap<string, EdgeRoute>;
  readonly colo: string;
  readonly contexts: { readonly full: SecureContext; readonly strict: SecureContext };
  readonly sourceAddress: string | undefined;
  readonly connectTimeoutMs: number;
  readonly readTimeoutMs: number;
  readonly maxRequestBodyBytes: number;
  readonly cache: EdgeCache;
  readonly log: EdgeLogEntry[];
  readonly track: (socket: Socket) => void;
}

/** "Example.COM:8443" → "example.com"; "[::1]:443" → "[::1]". */
export function hostWithoutPort(host: string): string {
  const lower = host.trim().toLowerCase();
  if (lower.startsWith("[")) return lower.slice(0, lower.indexOf("]") + 1) || lower;
  const colon = lower.lastIndexOf(":");
  return colon === -1 ? lower : lower.slice(0, colon);
}

/** The visitor's body, or null once it passes `max` bytes. */
async function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > max) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

interface RequestState {
  readonly config: EdgeConfig;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly scheme: "http" | "https";
  readonly started: number;
  readonly context: AnswerContext;
  readonly target: string;
  readonly record: (status: number, outcome: OriginOutcome, originStatus: number | null) => void;
  readonly answer: (answer: EdgeAnswer, outcome: OriginOutcome, originStatus: number | null, originMs: number) => void;
}

export async function handleVisitor(
  config: EdgeConfig,
  req: IncomingMessage,
  res: ServerResponse,
  scheme: "http" | "https",
): Promise<void> {
  const started = performance.now();
  const ray = newRayId(config.colo);
  const host = hostWithoutPort(req.headers.host ?? "");
  const target = req.url ?? "/";
  const visitorAddress = req.socket.remoteAddress ?? "";
  const context: AnswerContext = {
    host,
    ray,
    colo: config.colo,
    accept: req.headers.accept,
    visitorAddress,
    now: new Date(),
  };
  const record = (status: number, originOutcome: OriginOutcome, originStatus: number | null): void => {
    config.log.push({ ray: ray.header, host, path: target, status, originOutcome, originStatus });
  };
  const answer = (edgeAnswer: EdgeAnswer, outcome: OriginOutcome, originStatus: number | null, originMs: number) => {
    record(edgeAnswer.status, outcome, originStatus);
    sendAnswer(res, edgeAnswer, serverTiming(performance.now() - started - originMs, originMs));
  };

  const route = config.routes.get(host);
  if (route === undefined) {
    // A hostname the edge does not serve (cloudflare-docs `cloudflare-1xxx-errors/error-1001`).
    const unknown = answerErrorCode({ kind: "1xxx", hostname: host, code: 1001, status: 530 }, context);
    return answer(unknown, "not_contacted", null, 0);
  }
  if (route.kind === "1xxx") return answer(answerErrorCode(route, context), "not_contacted", null, 0);
  if (route.kind === "challenge") return answer(answerChallenge(context), "not_contacted", null, 0);
  return proxy({ config, req, res, scheme, started, context, target, record, answer }, route);
}

async function proxy(state: RequestState, route: ProxyRoute): Promise<void> {
  const { config, req, res, context } = state;
  const cacheable = route.cache === "hit-ignoring-query" && req.method === "GET";
  const key = cacheKey(context.host, state.target);
  const cached = cacheable ? config.cache.get(key) : undefined;
  if (cached !== undefined) {
    state.record(cached.status, "cache_hit", null);
    sendCached(res, cached, context.ray.header, performance.now() - state.started);
    return;
  }

  const body = await readBody(req, config.maxRequestBodyBytes);
  if (body === null) return state.answer(answerTooLarge(context), "not_contacted", null, 0);
  const leg = await runOriginLeg({
    route,
    visitor: {
      method: req.method ?? "GET",
      target: state.target,
      rawHeaders: req.rawHeaders,
      host: context.host,
      visitorAddress: context.visitorAddress,
      scheme: state.scheme,
    },
    body,
    answer: context,
    contexts: config.contexts,
    sourceAddress: config.sourceAddress,
    connectTimeoutMs: config.connectTimeoutMs,
    readTimeoutMs: config.readTimeoutMs,
    track: config.track,
  });
  if (leg.kind === "edge-answer") return state.answer(leg.answer, leg.outcome, leg.originStatus, leg.originMs);

  const { head } = leg;
  const originFields = visitorResponseFields(head.fields, leg.framing);
  const fields = [
    ...originFields,
    ...edgeFields(context.ray.header, cacheable ? "MISS" : (route.cacheStatus ?? "DYNAMIC")),
    ["server-timing", serverTiming(performance.now() - state.started - leg.originMs, leg.originMs)] as const,
  ];
  if (!writableFields(fields)) {
    // Bytes node's server will not write are bytes a proxy does not forward either.
    leg.body.destroy();
    return state.answer(answerEdgeError(520, route, context), "invalid_response", head.status, leg.originMs);
  }
  state.record(head.status, "response", head.status);
  const tee = cacheable && head.status >= 200 && head.status < 300 ? teeForCache(leg.body) : null;
  await sendStream(res, head.status, head.reason, fields, tee?.stream ?? leg.body);
  const copy = tee?.copy();
  if (copy) {
    config.cache.store(key, {
      status: head.status,
      reason: head.reason,
      fields: originFields,
      body: copy,
      storedAt: Date.now(),
    });
  }
}
