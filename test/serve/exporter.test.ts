/**
 * The exporter in-process against the lab's origins on loopback: what /probe answers for healthy
 * and broken origins, that a refused request never connects, the scrape timeout, the
 * concurrency bound, an abandoned scrape, a bug in a probe, and a graceful close.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { type Lab, startLab } from "../../src/lab/lab.js";
import { loadServeConfig, type ServeConfig } from "../../src/serve/config.js";
import { type Exporter, type ExporterOptions, startExporter } from "../../src/serve/exporter.js";
import { type HostileServer, headThen, startHostileServer } from "../hostile/hostile-server.js";
import { parseExposition, sampleValue } from "../support/prometheus-text.js";

const ORIGINS = ["healthy-https", "empty-reply", "response-timeout"] as const;
/** A test fails after this: a hang is a failure, not a wait (wide: the machine may be loaded). */
const LIMIT_MS = 10_000;

interface Answer {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: string;
}

async function get(exporter: Exporter, path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(`${exporter.url}${path}`, {
    ...init,
    signal: init.signal ?? AbortSignal.timeout(LIMIT_MS),
  });
  return { status: response.status, contentType: response.headers.get("content-type"), body: await response.text() };
}

const probePath = (name: string, extra = "") =>
  `/probe?target=${name}.lab.diag520.test&origin=127.0.0.1&module=${name}${extra}`;

/** Polls /metrics until `ready` holds for it; a bounded wait for a state, not a sleep. */
async function waitForMetrics(exporter: Exporter, ready: (text: string) => boolean): Promise<string> {
  const giveUp = performance.now() + LIMIT_MS;
  for (;;) {
    const { body } = await get(exporter, "/metrics");
    if (ready(body)) return body;
    if (performance.now() > giveUp) throw new Error(`the exporter never reached the state; last /metrics:\n${body}`);
    await delay(10);
  }
}

const gauge = (text: string, name: string, labels: Record<string, string> = {}) =>
  sampleValue(parseExposition(text), name, labels);

describe("diag520 serve, in-process, against the lab", () => {
  let lab: Lab;
  let directory: string;
  let config: ServeConfig;
  /** A listener on 127.0.0.2 that counts connections: the origin that the allow lists refuse. */
  let forbidden: Server;
  let forbiddenPort = 0;
  let forbiddenConnections = 0;
  const exporters: Exporter[] = [];
  /** Origins that try to exhaust the client: endless header lines, and a 1 GB body sent as fast as it is read. */
  const hostile = new Map<string, HostileServer>();

  const start = async (overrides: Partial<ExporterOptions> = {}): Promise<Exporter> => {
    const exporter = await startExporter({
      config,
      host: "127.0.0.1",
      port: 0,
      concurrency: 4,
      queueLength: 4,
      processStats: () => ({ residentBytes: 1, heapUsedBytes: 2, cpuSeconds: 3, startTimeSeconds: 4 }),
      log: () => {},
      ...overrides,
    });
    exporters.push(exporter);
    return exporter;
  };

  before(async () => {
    lab = await startLab({ only: [...ORIGINS] });
    forbidden = createServer((socket) => {
      forbiddenConnections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => forbidden.listen(0, "127.0.0.2", resolve));
    forbiddenPort = (forbidden.address() as { port: number }).port;
    hostile.set(
      "endless-headers",
      await startHostileServer({
        stream: headThen("HTTP/1.1 200 OK\r\n", Buffer.from(`X-Pad: ${"p".repeat(1000)}\r\n`)),
      }),
    );
    hostile.set(
      "gigabyte-body",
      await startHostileServer({
        stream: headThen(
          "HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n",
          Buffer.alloc(64 * 1024, 0x61),
          16_000,
        ),
      }),
    );
    directory = await mkdtemp(join(tmpdir(), "diag520-serve-"));
    const modules = lab.origins.map(
      (running) =>
        `  ${running.origin.name}:\n    scheme: ${running.origin.scheme}\n    port: ${running.port}\n` +
        `    caFile: ${JSON.stringify(lab.caFile)}\n    dnsServers: ["${lab.dnsServer}"]\n    timeout: 30s\n`,
    );
    const path = join(directory, "diag520.yml");
    await writeFile(
      path,
      `modules:\n${modules.join("")}${[...hostile].map(([name, server]) => `  ${name}:\n    scheme: http\n    port: ${server.port}\n    dnsServers: ["${lab.dnsServer}"]\n`).join("")}  forbidden:\n    scheme: http\n    port: ${forbiddenPort}\n    dnsServers: ["${lab.dnsServer}"]\n` +
        `allow:\n  targets: ["*.lab.diag520.test"]\n  origins: [127.0.0.1/32]\n`,
    );
    config = await loadServeConfig(path);
  });

  after(async () => {
    await Promise.all(exporters.map((exporter) => exporter.close()));
    await new Promise((resolve) => forbidden.close(resolve));
    await Promise.all([...hostile.values()].map((server) => server.close()));
    await lab.close();
    await rm(directory, { recursive: true, force: true });
  });

  test("a healthy origin: 200, Prometheus' text type, diag520_success 1", async () => {
    const exporter = await start();
    const answer = await get(exporter, probePath("healthy-https"));
    assert.equal(answer.status, 200, answer.body);
    assert.equal(answer.contentType, "text/plain; version=0.0.4; charset=utf-8");
    const metrics = parseExposition(answer.body);
    assert.equal(sampleValue(metrics, "diag520_success"), 1);
    assert.equal(sampleValue(metrics, "diag520_complete"), 1);
    assert.ok(
      (sampleValue(metrics, "diag520_certificate_expiry_timestamp_seconds", { leg: "origin" }) ?? 0) >
        Date.now() / 1000,
    );
    assert.equal(sampleValue(metrics, "diag520_probe_timeout_seconds"), 30, "no scrape header: the module's timeout");
  });

  test("a broken origin: 200 all the same, success 0, the edge status and the finding", async () => {
    const exporter = await start();
    const answer = await get(exporter, probePath("empty-reply"));
    assert.equal(answer.status, 200);
    const metrics = parseExposition(answer.body);
    assert.equal(sampleValue(metrics, "diag520_success"), 0);
    assert.equal(sampleValue(metrics, "diag520_edge_status"), 520);
    assert.equal(sampleValue(metrics, "diag520_finding", { code: "http.empty_reply", severity: "error" }), 1);
    const own = await get(exporter, "/metrics");
    assert.equal(gauge(own.body, "diag520_exporter_probes_total", { module: "empty-reply", result: "failure" }), 1);
  });

  test("an origin outside allow.origins: 403 with the reason, and no connection is made", async () => {
    const exporter = await start();
    const before = forbiddenConnections;
    const answer = await get(exporter, "/probe?target=x.lab.diag520.test&origin=127.0.0.2&module=forbidden");
    assert.equal(answer.status, 403);
    assert.equal(answer.body, "origin '127.0.0.2' is not in the configuration's allow.origins\n");
    const target = await get(exporter, "/probe?target=intranet.example&origin=127.0.0.1&module=forbidden");
    assert.equal(target.status, 403);
    assert.equal(forbiddenConnections, before, "the exporter never connected");
    // The listener does count: the same connection made by hand is seen (it closes it once counted).
    await new Promise<void>((resolve, reject) => {
      const client = connect({ host: "127.0.0.2", port: forbiddenPort });
      client.on("error", reject);
      client.on("close", () => resolve());
    });
    assert.equal(forbiddenConnections, before + 1);
    const own = await get(exporter, "/metrics");
    assert.equal(gauge(own.body, "diag520_exporter_requests_refused_total", { reason: "forbidden" }), 2);
  });

  test("a bad parameter: 400 with one line; an unknown path 404; POST 405; HEAD has no body", async () => {
    const exporter = await start();
    const bad = await get(exporter, "/probe?target=a%20b&origin=127.0.0.1&module=empty-reply");
    assert.equal(bad.status, 400);
    assert.match(bad.body, /^invalid target 'a b': it contains whitespace or control characters\n$/);
    assert.equal((await get(exporter, "/nope")).status, 404);
    assert.equal((await get(exporter, "/metrics", { method: "POST" })).status, 405);
    const head = await get(exporter, "/metrics", { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
    const home = await get(exporter, "/");
    assert.match(home.body, /\/probe\?target=<hostname>&origin=<address>&module=<name>/);
    assert.match(home.body, /empty-reply: GET http:\/\/<target>:\d+\/, at most 30 s/);
  });

  test("X-Prometheus-Scrape-Timeout-Seconds bounds a probe of an origin that never answers", async () => {
    const exporter = await start();
    const started = performance.now();
    const answer = await get(exporter, probePath("response-timeout"), {
      headers: { "X-Prometheus-Scrape-Timeout-Seconds": "1" },
    });
    const elapsedMs = performance.now() - started;
    assert.equal(answer.status, 200);
    const metrics = parseExposition(answer.body);
    assert.equal(sampleValue(metrics, "diag520_probe_timeout_seconds"), 0.5);
    assert.equal(sampleValue(metrics, "diag520_success"), 0);
    // The phase's own deadline (nine tenths of the probe's) fired: a finished diagnosis that says so.
    assert.equal(sampleValue(metrics, "diag520_complete"), 1);
    assert.equal(sampleValue(metrics, "diag520_finding", { code: "http.response_timeout", severity: "error" }), 1);
    assert.ok(sampleValue(metrics, "diag520_phase_duration_seconds", { leg: "origin", phase: "tcp" }) !== undefined);
    // Wide: the module allows 30 s; the scrape's 1 s is what bounds it.
    assert.ok(elapsedMs < 5_000, `answered after ${elapsedMs} ms`);
  });

  for (const [name, code] of [
    ["endless-headers", "http.headers_too_large"],
    ["gigabyte-body", "http.body_read_capped"],
  ] as const) {
    test(`a hostile origin (${name}): answered within the deadline, with its finding`, async () => {
      const exporter = await start();
      const started = performance.now();
      const answer = await get(exporter, `/probe?target=x.lab.diag520.test&origin=127.0.0.1&module=${name}`, {
        headers: { "X-Prometheus-Scrape-Timeout-Seconds": "3" },
      });
      assert.equal(answer.status, 200);
      const metrics = parseExposition(answer.body);
      assert.equal(
        sampleValue(metrics, "diag520_finding", {
          code,
          severity: code === "http.body_read_capped" ? "info" : "error",
        }),
        1,
      );
      assert.ok(performance.now() - started < 4_000, "within the scrape timeout");
    });
  }

  test("probes beyond the bound wait briefly in the queue, then get 503; a full queue refuses at once", async () => {
    const exporter = await start({ concurrency: 1, queueLength: 1 });
    const holder = new AbortController();
    const held = get(exporter, probePath("response-timeout"), { signal: holder.signal }).catch(() => null);
    await waitForMetrics(exporter, (text) => gauge(text, "diag520_exporter_probes_in_flight") === 1);
    const queued = get(exporter, probePath("empty-reply"));
    await waitForMetrics(exporter, (text) => gauge(text, "diag520_exporter_probes_queued") === 1);
    const refused = await get(exporter, probePath("empty-reply"));
    assert.equal(refused.status, 503);
    assert.equal(refused.body, "too many probes: 1 running, 1 waiting (--concurrency 1, --queue 1)\n");
    assert.equal((await queued).status, 503, "its wait (at most 1 s) ran out while the slot stayed busy");
    const own = await get(exporter, "/metrics");
    assert.equal(gauge(own.body, "diag520_exporter_requests_refused_total", { reason: "overloaded" }), 2);
    holder.abort();
    await held;
  });

  test("a scrape that Prometheus abandons stops its probe", async () => {
    const exporter = await start();
    const client = new AbortController();
    const abandoned = get(exporter, probePath("response-timeout"), { signal: client.signal }).catch(() => null);
    await waitForMetrics(exporter, (text) => gauge(text, "diag520_exporter_probes_in_flight") === 1);
    client.abort();
    await abandoned;
    // The module allows 30 s; the slot is free long before.
    await waitForMetrics(exporter, (text) => gauge(text, "diag520_exporter_probes_in_flight") === 0);
  });

  test("a scrape abandoned while it waits leaves the queue, and is no overload", async () => {
    const exporter = await start({ concurrency: 1, queueLength: 1 });
    const holder = new AbortController();
    const held = get(exporter, probePath("response-timeout"), { signal: holder.signal }).catch(() => null);
    await waitForMetrics(exporter, (text) => gauge(text, "diag520_exporter_probes_in_flight") === 1);
    const waiter = new AbortController();
    const waiting = get(exporter, probePath("empty-reply"), { signal: waiter.signal }).catch(() => null);
    await waitForMetrics(exporter, (text) => gauge(text, "diag520_exporter_probes_queued") === 1);
    waiter.abort();
    await waiting;
    const own = await waitForMetrics(exporter, (text) => gauge(text, "diag520_exporter_probes_queued") === 0);
    assert.equal(gauge(own, "diag520_exporter_requests_refused_total", { reason: "overloaded" }), 0);
    holder.abort();
    await held;
  });

  test("a bug in a probe is a 500 with its stack logged, and the exporter goes on", async () => {
    const logged: string[] = [];
    let calls = 0;
    const exporter = await start({
      log: (line) => logged.push(line),
      diagnose: async () => {
        calls++;
        throw new Error("boom");
      },
    });
    const answer = await get(exporter, probePath("empty-reply"));
    assert.equal(answer.status, 500);
    assert.equal(answer.body, "internal error (a bug): see the exporter's log\n");
    assert.match(logged.join(""), /internal error answering \/probe\?target=empty-reply[^\n]*\nError: boom/);
    assert.equal(calls, 1);
    const own = await get(exporter, "/metrics");
    assert.equal(own.status, 200);
    assert.equal(gauge(own.body, "diag520_exporter_probes_total", { module: "empty-reply", result: "error" }), 1);
    assert.equal(gauge(own.body, "diag520_exporter_probes_in_flight"), 0, "the slot was released");
  });

  test("/metrics: the exporter's own families, with the process figures given to it", async () => {
    const exporter = await start();
    const metrics = parseExposition((await get(exporter, "/metrics")).body);
    assert.equal(metrics.types.get("diag520_exporter_probes_total"), "counter");
    assert.equal(
      sampleValue(metrics, "diag520_exporter_probes_total", { module: "healthy-https", result: "success" }),
      0,
    );
    assert.equal(sampleValue(metrics, "diag520_exporter_probe_concurrency_limit"), 4);
    assert.equal(sampleValue(metrics, "process_resident_memory_bytes"), 1);
    assert.equal(sampleValue(metrics, "process_cpu_seconds_total"), 3);
    assert.equal(metrics.types.get("process_cpu_seconds_total"), "counter");
  });

  test("close() lets a probe in flight answer with what it has, then stops listening", async () => {
    const exporter = await startExporter({
      config,
      host: "127.0.0.1",
      port: 0,
      concurrency: 2,
      queueLength: 0,
      processStats: null,
      log: () => {},
    });
    const inFlight = get(exporter, probePath("response-timeout"));
    await waitForMetrics(exporter, (text) => gauge(text, "diag520_exporter_probes_in_flight") === 1);
    await exporter.close();
    const answer = await inFlight;
    assert.equal(answer.status, 200);
    const metrics = parseExposition(answer.body);
    assert.equal(sampleValue(metrics, "diag520_complete"), 0);
    assert.equal(sampleValue(metrics, "diag520_success"), 0);
    await assert.rejects(get(exporter, "/metrics"), "no longer listening");
  });
});
