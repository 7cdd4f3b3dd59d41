/**
 * A fake Cloudflare edge on loopback, for the lab, the demo and the tests: visitors reach it
 * over HTTPS or plain HTTP, it routes by Host to a configured origin and proxies under
 * Cloudflare's documented rules (SSL modes, the headers it adds, the 52x it answers and in
 * which formats, `cf-ray` on everything), or answers a 1xxx or a challenge itself.
 *
 * Every socket, visitor's or origin's, has an 'error' listener and is tracked, so that nothing
 * a peer does crashes the process and close() ends keep-alive connections too. Memory is
 * bounded: visitor bodies are buffered up to `maxRequestBodyBytes`, origin bodies stream with
 * backpressure, the cache keeps bodies up to 1 MiB.
 */
import { once } from "node:events";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { type Readable, Transform } from "node:stream";
import { edgeOriginContext } from "./connect-origin.js";
import {
  type AnswerContext,
  answerChallenge,
  answerEdgeError,
  answerErrorCode,
  type EdgeAnswer,
} from "./edge-answer.js";
import { cacheKey, EdgeCache, MAX_CACHED_BODY_BYTES } from "./edge-cache.js";
import type { EdgeLogEntry, EdgeRoute, FakeEdge, FakeEdgeOptions, OriginOutcome } from "./edge-types.js";
import { type VisitorRequest, visitorResponseFields } from "./forwarded-headers.js";
import { runOriginLeg } from "./proxy-to-origin.js";
import { newRayId } from "./ray-id.js";
import { sendAnswer, sendStream, serverTiming, writableFields } from "./visitor-response.js";

const DEFAULT_CONNECT_TIMEOUT_MS = 19_000;
const DEFAULT_READ_TIMEOUT_MS = 125_000;
const DEFAULT_MAX_REQUEST_BODY_BYTES = 1024 * 1024;
/** Cloudflare's request-header limit too (cloudflare-docs PR #25872): 128 KB of visitor head. */
const MAX_VISITOR_HEAD_BYTES = 128 * 1024;

/** "Example.COM:8443" → "example.com"; "[::1]:443" → "[::1]". */
export function hostWithoutPort(host: string): string {
  const lower = host.trim().toLowerCase();
  if (lower.startsWith("[")) return lower.slice(0, lower.indexOf("]") + 1) || lower;
  const colon = lower.lastIndexOf(":");
  return colon === -1 ? lower : lower.slice(0, colon);
}

function checkRoutes(routes: readonly EdgeRoute[]): Map<string, EdgeRoute> {
  const byHost = new Map<string, EdgeRoute>();
  for (const route of routes) {
    const host = route.hostname.toLowerCase();
    if (byHost.has(host)) throw new TypeError(`fake edge: two routes for ${host}`);
    if (route.kind === undefined || route.kind === "proxy") {
      const expected = route.sslMode === "flexible" ? "http" : "https";
      if (route.origin.scheme !== expected) {
        throw new TypeError(`fake edge: ${host}: SSL mode ${route.sslMode} talks ${expected} to the origin`);
      }
    }
    byHost.set(host, route);
  }
  return byHost;
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

function tooLarge(context: AnswerContext): EdgeAnswer {
  const body =
    "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n";
  return {
    status: 413,
    headers: [
      ["content-type", "text/html"],
      ["connection", "close"],
      ["server", "cloudflare"],
      ["cf-ray", context.ray.header],
    ],
    body,
  };
}

export async function startFakeEdge(options: FakeEdgeOptions): Promise<FakeEdge> {
  const routes = checkRoutes(options.routes);
  const colo = options.colo ?? "LAB";
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const readTimeoutMs = options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  const maxRequestBodyBytes = options.maxRequestBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_BYTES;
  const contexts = { full: edgeOriginContext(null), strict: edgeOriginContext(options.originCaPem ?? []) };
  const log: EdgeLogEntry[] = [];
  const cache = new EdgeCache();
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    socket.on("error", () => {});
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, scheme: "http" | "https"): Promise<void> => {
    const started = performance.now();
    const ray = newRayId(colo);
    const host = hostWithoutPort(req.headers.host ?? "");
    const target = req.url ?? "/";
    const visitorAddress = req.socket.remoteAddress ?? "";
    const context: AnswerContext = { host, ray, colo, accept: req.headers.accept, visitorAddress, now: new Date() };
    const record = (status: number, originOutcome: OriginOutcome, originStatus: number | null): void => {
      log.push({ ray: ray.header, host, path: target, status, originOutcome, originStatus });
    };
    const answer = (edgeAnswer: EdgeAnswer, outcome: OriginOutcome, originStatus: number | null, originMs: number) => {
      record(edgeAnswer.status, outcome, originStatus);
      sendAnswer(res, edgeAnswer, serverTiming(performance.now() - started - originMs, originMs));
    };

    const route = routes.get(host);
    if (route === undefined) {
      // A hostname the edge does not serve (cloudflare-docs `cloudflare-1xxx-errors/error-1001`).
      return answer(
        answerErrorCode({ kind: "1xxx", hostname: host, code: 1001, status: 530 }, context),
        "not_contacted",
        null,
        0,
      );
    }
    if (route.kind === "1xxx") return answer(answerErrorCode(route, context), "not_contacted", null, 0);
    if (route.kind === "challenge") return answer(answerChallenge(context), "not_contacted", null, 0);

    const key = cacheKey(host, target);
    const cached = route.cache === "hit-ignoring-query" && req.method === "GET" ? cache.get(key) : undefined;
    if (cached !== undefined) {
      record(cached.status, "cache_hit", null);
      const age = Math.floor((Date.now() - cached.storedAt) / 1000);
      const fields = [...cached.fields, ...edgeFields(ray.header, "HIT"), ["age", String(age)] as const];
      res.writeHead(
        cached.status,
        cached.reason,
        [...fields, ["server-timing", serverTiming(performance.now() - started, 0)]].flat(),
      );
      res.end(cached.body);
      return;
    }

    const body = await readBody(req, maxRequestBodyBytes);
    if (body === null) return answer(tooLarge(context), "not_contacted", null, 0);
    const visitor: VisitorRequest = {
      method: req.method ?? "GET",
      target,
      rawHeaders: req.rawHeaders,
      host,
      visitorAddress,
      scheme,
    };
    const leg = await runOriginLeg({
      route,
      visitor,
      body,
      answer: context,
      contexts,
      sourceAddress: options.sourceAddress,
      connectTimeoutMs,
      readTimeoutMs,
      track,
    });
    if (leg.kind === "edge-answer") return answer(leg.answer, leg.outcome, leg.originStatus, leg.originMs);

    const { head } = leg;
    const cacheStatus = route.cacheStatus ?? "DYNAMIC";
    const missing = route.cache === "hit-ignoring-query" && req.method === "GET";
    const originFields = visitorResponseFields(head.fields, leg.framing);
    const fields = [
      ...originFields,
      ...edgeFields(ray.header, missing ? "MISS" : cacheStatus),
      ["server-timing", serverTiming(performance.now() - started - leg.originMs, leg.originMs)] as const,
    ];
    if (!writableFields(fields)) {
      // Bytes node's server will not write are bytes Cloudflare would not forward either.
      leg.body.destroy();
      return answer(answerEdgeError(520, route, context), "invalid_response", head.status, leg.originMs);
    }
    record(head.status, "response", head.status);
    const storing = missing && head.status >= 200 && head.status < 300 ? collect(leg.body) : null;
    await sendStream(res, head.status, head.reason, fields, storing?.stream ?? leg.body);
    const stored = storing?.result();
    if (stored)
      cache.store(key, {
        status: head.status,
        reason: head.reason,
        fields: originFields,
        body: stored,
        storedAt: Date.now(),
      });
  };

  const listener = (scheme: "http" | "https") => (req: IncomingMessage, res: ServerResponse) => {
    req.on("error", () => {});
    res.on("error", () => {});
    handle(req, res, scheme).catch(() => {
      // A bug or a visitor gone mid-way: never let it take the lab down.
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain", server: "cloudflare" });
      res.destroy();
    });
  };
  const serverOptions = { maxHeaderSize: MAX_VISITOR_HEAD_BYTES };
  const httpServer = createHttpServer(serverOptions, listener("http"));
  const httpsServer = createHttpsServer(
    { ...serverOptions, cert: options.tls.certPem, key: options.tls.keyPem, ALPNProtocols: ["http/1.1"] },
    listener("https"),
  );
  httpsServer.on("tlsClientError", () => {});
  for (const server of [httpServer, httpsServer]) server.on("connection", track);

  const listen = async (server: Server): Promise<number> => {
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    return (server.address() as AddressInfo).port;
  };
  const close = async (): Promise<void> => {
    const closed = [httpServer, httpsServer].map(
      (server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
    );
    for (const socket of sockets) socket.destroy();
    await Promise.all(closed);
  };
  try {
    const [httpsPort, httpPort] = await Promise.all([listen(httpsServer), listen(httpServer)]);
    return { httpsPort, httpPort, address: "127.0.0.1", log, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** What the edge adds to every response it passes on (cloudflare-docs `fundamentals/reference/http-headers`). */
function edgeFields(rayHeader: string, cacheStatus: string): ReadonlyArray<readonly [string, string]> {
  return [
    ["server", "cloudflare"],
    ["cf-ray", rayHeader],
    ["cf-cache-status", cacheStatus],
  ];
}

/** Passes `body` through while keeping a copy, up to the cache's cap. */
function collect(body: Readable): {
  stream: Transform;
  result: () => Buffer | null;
} {
  const chunks: Buffer[] = [];
  let total = 0;
  let complete = false;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      if (total <= MAX_CACHED_BODY_BYTES) chunks.push(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      complete = true;
      callback();
    },
  });
  body.pipe(stream);
  body.on("error", (error: Error) => stream.destroy(error));
  return { stream, result: () => (complete && total <= MAX_CACHED_BODY_BYTES ? Buffer.concat(chunks) : null) };
}
