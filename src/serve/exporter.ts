/**
 * `diag520 serve`'s HTTP server, in blackbox_exporter's multi-target pattern: Prometheus asks
 * `/probe?target=…&origin=…&module=…` and gets one diagnosis as metrics; `/metrics` is the
 * exporter's own. The handler owns the deadline (the scrape timeout), the concurrency bound
 * and the success record; `diagnose()` only reports facts.
 *
 * It never throws for what an origin does: `diagnose()` does not, and a bug in a request's
 * handling is answered with 500 (and its stack logged) without stopping the server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { diagnose } from "../diagnose.js";
import { toOneLine } from "../input/usage-message.js";
import { bracketIpv6 } from "../net/ip-literal.js";
import { monotonicMs } from "../text/monotonic-ms.js";
import type { ServeConfig } from "./config.js";
import { ExporterMetrics, type ProcessStats } from "./exporter-metrics.js";
import { renderFamily, TEXT_CONTENT_TYPE } from "./metrics-text.js";
import { ProbeLimiter } from "./probe-limiter.js";
import { isSuccess, renderProbeMetrics } from "./probe-metrics.js";
import { parseProbeQuery } from "./probe-request.js";
import { probeDeadline, SCRAPE_TIMEOUT_HEADER } from "./scrape-deadline.js";

export interface ExporterOptions {
  readonly config: ServeConfig;
  readonly host: string;
  /** 0 for a free port (tests); the one chosen is in `Exporter.port`. */
  readonly port: number;
  /** Probes that run at once. */
  readonly concurrency: number;
  /** Probes that may wait for a slot; more are refused with 503. */
  readonly queueLength: number;
  /** The process' memory and CPU for /metrics (only cli.ts touches `process`); null leaves them out. */
  readonly processStats: (() => ProcessStats) | null;
  /** Where a bug in handling a request is reported, with its stack. */
  readonly log: (line: string) => void;
  /** The diagnosis to run; `diagnose()` unless a test needs one that fails. */
  readonly diagnose?: typeof diagnose;
}

export interface Exporter {
  readonly host: string;
  readonly port: number;
  /** http://host:port, IPv6 in brackets. */
  readonly url: string;
  /** Stops listening, stops the probes in flight (each answers with what it has), then closes every connection. */
  close(): Promise<void>;
}

/** A queued probe waits at most this long, or half its deadline, whichever is shorter: it must keep time to run. */
export const QUEUE_WAIT_MAX_MS = 1_000;
/** How long close() lets in-flight answers go out before it cuts the connections. */
const CLOSE_GRACE_MS = 2_000;
/** A client that takes longer to send a request head is cut off (slowloris). */
const REQUEST_HEAD_TIMEOUT_MS = 10_000;

export async function startExporter(options: ExporterOptions): Promise<Exporter> {
  const { config } = options;
  const metrics = new ExporterMetrics([...config.modules.keys()]);
  const limiter = new ProbeLimiter(options.concurrency, options.queueLength);
  const shutdown = new AbortController();
  const handling = new Set<Promise<void>>();
  const run = options.diagnose ?? diagnose;

  const probe = async (req: IncomingMessage, res: ServerResponse, params: URLSearchParams): Promise<void> => {
    // A request on a kept-alive connection after close() began: no new probe.
    if (shutdown.signal.aborted) return send(req, res, 503, "the exporter is stopping\n");
    const query = parseProbeQuery(params, config);
    if (!query.ok) {
      metrics.countRefusal(query.status === 403 ? "forbidden" : "invalid");
      return send(req, res, query.status, `${query.reason}\n`);
    }
    const deadline = probeDeadline(headerValue(req.headers[SCRAPE_TIMEOUT_HEADER]), query.module.timeoutMs);
    if (!deadline.ok) {
      metrics.countRefusal("invalid");
      return send(req, res, 400, `${deadline.reason}\n`);
    }
    const started = monotonicMs();
    // The probe stops when Prometheus gives up on the scrape (it closes the connection) or the exporter stops.
    const stop = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) stop.abort();
    };
    const onShutdown = () => stop.abort();
    res.once("close", onClose);
    shutdown.signal.addEventListener("abort", onShutdown, { once: true });
    try {
      const release = await limiter.acquire(Math.min(QUEUE_WAIT_MAX_MS, deadline.ms / 2), stop.signal);
      if (release === null) {
        // Nobody to answer, or the exporter is stopping: not an overload.
        if (shutdown.signal.aborted) return send(req, res, 503, "the exporter is stopping\n");
        if (stop.signal.aborted) return;
        metrics.countRefusal("overloaded");
        return send(
          req,
          res,
          503,
          `too many probes: ${limiter.inFlight} running, ${limiter.queued} waiting (--concurrency ${limiter.concurrency}, --queue ${limiter.queueLength})\n`,
        );
      }
      let body: string;
      try {
        const remainingMs = Math.max(1, Math.floor(deadline.ms - (monotonicMs() - started)));
        const { report } = await run(query.request, {
          // The deadline bounds the whole run. A phase gets nine tenths of it, so that an origin
          // that never answers ends as a finished diagnosis ("no response within N s") rather
          // than a run cut short, which says only that the exporter ran out of time.
          timeoutMs: phaseDeadlineMs(remainingMs),
          maxTimeMs: remainingMs,
          maxHeaderSize: query.module.maxHeaderSize,
          maxBodyBytes: query.module.maxBodyBytes,
          extraCaPem: query.module.extraCaPem,
          dnsServers: query.module.dnsServers,
          redact: [],
          signal: stop.signal,
        });
        metrics.countProbe(query.module.name, isSuccess(report) ? "success" : "failure");
        body =
          renderProbeMetrics(report) +
          renderFamily({
            name: "diag520_probe_timeout_seconds",
            type: "gauge",
            help: "The deadline this probe ran under: the scrape timeout less 0.5 s, or the module's timeout",
            samples: [{ value: deadline.ms / 1000 }],
          });
      } catch (error) {
        metrics.countProbe(query.module.name, "error");
        throw error;
      } finally {
        release();
      }
      send(req, res, 200, body, TEXT_CONTENT_TYPE);
    } finally {
      res.off("close", onClose);
      shutdown.signal.removeEventListener("abort", onShutdown);
    }
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      return send(req, res, 405, "only GET and HEAD\n");
    }
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://exporter.invalid");
    } catch {
      return send(req, res, 400, "the request target is not a valid URL path\n");
    }
    switch (url.pathname) {
      case "/probe":
        return probe(req, res, url.searchParams);
      case "/metrics":
        return send(
          req,
          res,
          200,
          metrics.render(
            {
              inFlight: limiter.inFlight,
              queued: limiter.queued,
              concurrency: limiter.concurrency,
              queueLength: limiter.queueLength,
            },
            options.processStats?.() ?? null,
          ),
          TEXT_CONTENT_TYPE,
        );
      case "/":
        return send(req, res, 200, homePage(config));
      default:
        return send(req, res, 404, "not found: see / for what this exporter answers\n");
    }
  };

  const server: Server = createServer(
    { requestTimeout: REQUEST_HEAD_TIMEOUT_MS, headersTimeout: REQUEST_HEAD_TIMEOUT_MS },
    (req, res) => {
      const handled = route(req, res).catch((error: unknown) => {
        options.log(
          `diag520 serve: internal error answering ${toOneLine((req.url ?? "").slice(0, 200))} (a bug; please report it with this trace)\n${
            error instanceof Error ? (error.stack ?? error.message) : String(error)
          }\n`,
        );
        if (!res.headersSent) send(req, res, 500, "internal error (a bug): see the exporter's log\n");
        else res.destroy();
      });
      handling.add(handled);
      void handled.finally(() => handling.delete(handled));
    },
  );
  // A client that sends garbage gets a 400 from Node; nothing of it reaches a handler.
  server.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (error) => options.log(`diag520 serve: ${error.message}\n`));
  const address = server.address() as AddressInfo;

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      shutdown.abort();
      server.closeIdleConnections();
      const grace = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref());
      await Promise.race([Promise.allSettled([...handling]), grace]);
      server.closeAllConnections();
      await closed;
    })();
    return closing;
  };

  return {
    host: address.address,
    port: address.port,
    url: `http://${bracketIpv6(address.address)}:${address.port}`,
    close,
  };
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: string,
  contentType = "text/plain; charset=utf-8",
): void {
  if (res.destroyed || res.headersSent) return;
  const bytes = Buffer.from(body, "utf8");
  res.writeHead(status, {
    "Content-Type": contentType,
    "Content-Length": bytes.length,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  });
  res.end(req.method === "HEAD" ? undefined : bytes);
}

export function phaseDeadlineMs(runDeadlineMs: number): number {
  return Math.max(1, Math.floor(runDeadlineMs * 0.9));
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}

function homePage(config: ServeConfig): string {
  const modules = [...config.modules.values()].map(
    (module) =>
      `  ${module.name}: ${module.method} ${module.scheme}://<target>:${module.port}${module.path}, at most ${module.timeoutMs / 1000} s`,
  );
  return [
    "diag520 serve: why Cloudflare would answer 520-526 for a site, as Prometheus metrics",
    "",
    "  /probe?target=<hostname>&origin=<address>&module=<name>   one diagnosis, as metrics",
    "  /metrics                                                  the exporter's own metrics",
    "",
    "Modules:",
    ...modules,
    "",
    `Only the targets and origins that the configuration allows are probed (${config.allow.targets.length} target and ${config.allow.origins.length} origin patterns).`,
    "",
  ].join("\n");
}
