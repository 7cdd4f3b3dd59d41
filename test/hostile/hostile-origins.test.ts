/**
 * The real binary against origins that try to hang it or exhaust its memory (issue 4, point 1):
 * endless headers, a single 10 MB header line, endless 1xx responses, a 1 GB body, an endless
 * chunked body, one byte at a time, and a silent origin under --max-time. Each is diagnosed
 * with the expected finding and exit code, within the timeouts asked for plus a generous
 * margin (an upper bound only: this runs on loaded 2-core machines). Peak memory is measured
 * by the benchmark, not here; the byte counts show that what lies beyond a cap is not read.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { outputDocumentSchema, type Report } from "../../src/report/schema.js";
import { type CliResult, runCli } from "../support/run-cli.js";
import { type Generator, type HostileServer, headThen, slowly, startHostileServer } from "./hostile-server.js";

/** Start-up, DNS for localhost and the TCP connect, on a loaded machine. */
const MARGIN_MS = 5_000;
const KIB = 1024;

const servers: HostileServer[] = [];
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

async function serve(options: Parameters<typeof startHostileServer>[0]): Promise<HostileServer> {
  const server = await startHostileServer(options);
  servers.push(server);
  return server;
}

async function diagnose(
  server: HostileServer,
  extra: string[],
  limitMs: number,
): Promise<{ run: CliResult; report: Report }> {
  const args = ["localhost", "--origin", "127.0.0.1", "--port", String(server.port), "--scheme", "http", "--json"];
  const run = await runCli([...args, ...extra], { limitMs: limitMs + 20_000 });
  assert.equal(run.killedAfterLimit, false, "the run was killed: it hung");
  assert.equal(run.stderr, "", "nothing on stderr with --json");
  const doc = outputDocumentSchema.parse(JSON.parse(run.stdout));
  assert.equal(doc.kind, "report");
  const report = doc as Report;
  assert.ok(run.elapsedMs < limitMs, `took ${Math.round(run.elapsedMs)} ms, over the bound of ${limitMs} ms`);
  return { run, report };
}

function codes(report: Report, severity?: string): string[] {
  return [...new Set(report.findings.filter((f) => !severity || f.severity === severity).map((f) => f.code))].sort();
}

function httpResponse(report: Report) {
  const phase = report.phases.find((p) => p.name === "http");
  assert.ok(phase?.name === "http" && phase.facts !== null, "the http phase ran");
  return phase.facts.response;
}

const headerLines = (() => {
  const line = "X-Pad: aaaaaaaaaaaaaaaaaaaaaaaa\r\n"; // 32 bytes
  return Buffer.from(line.repeat((16 * KIB) / line.length), "latin1");
})();

describe("hostile origins, against the real binary", { concurrency: 4 }, () => {
  it("endless header lines: http.headers_too_large, reading stops at the cap", async () => {
    const server = await serve({ stream: headThen("HTTP/1.1 200 OK\r\n", headerLines) });
    const { run, report } = await diagnose(server, ["--timeout", "5"], 5_000 + MARGIN_MS);
    // 32-byte lines: the block also has far more than Pingora's 256 fields.
    assert.deepEqual(codes(report, "error"), ["http.headers_too_large", "http.too_many_headers"]);
    assert.equal(run.code, 1);
    const response = httpResponse(report);
    assert.equal(response.end, "read_cap");
    const evidence = report.findings.find((f) => f.code === "http.headers_too_large")?.evidence;
    assert.equal(evidence?.headerBytesIsLowerBound, true);
    assert.ok(response.bytesReceived < 8 * 1024 * KIB, `${response.bytesReceived} bytes read`);
  });

  it("a single 10 MB header line: http.headers_too_large, the line is not read to its end", async () => {
    const tenMegabytes = 10 * 1024 * KIB;
    const piece = Buffer.alloc(64 * KIB, 0x61);
    const stream = (): Generator => {
      let sent = -1;
      return () => {
        sent++;
        if (sent === 0) return Buffer.from("HTTP/1.1 200 OK\r\nX-Big: ", "latin1");
        if (sent <= tenMegabytes / piece.length) return piece;
        return sent === tenMegabytes / piece.length + 1 ? Buffer.from("\r\nContent-Length: 0\r\n\r\n") : null;
      };
    };
    const server = await serve({ stream });
    const { run, report } = await diagnose(server, ["--timeout", "5"], 5_000 + MARGIN_MS);
    assert.deepEqual(codes(report, "error"), ["http.headers_too_large"]);
    assert.equal(run.code, 1);
    const evidence = report.findings.find((f) => f.code === "http.headers_too_large")?.evidence;
    assert.equal(evidence?.largestField, "X-Big");
    assert.ok(httpResponse(report).bytesReceived < tenMegabytes, "the line was not read to its end");
  });

  it("endless '100 Continue' responses: http.headers_too_large, never a healthy verdict", async () => {
    const server = await serve({ stream: headThen("", Buffer.from("HTTP/1.1 100 Continue\r\n\r\n".repeat(500))) });
    const { run, report } = await diagnose(server, ["--timeout", "5"], 5_000 + MARGIN_MS);
    assert.deepEqual(codes(report, "error"), ["http.headers_too_large"]);
    assert.equal(run.code, 1);
    const response = httpResponse(report);
    assert.ok(response.interim.length <= 16, `${response.interim.length} interim heads kept`);
    assert.ok(report.findings.length < 10, `${report.findings.length} findings`);
  });

  it("a 1 GB body: a healthy response with http.body_read_capped, and the rest is never read", async () => {
    const gigabyte = 1024 * 1024 * KIB;
    const piece = Buffer.alloc(64 * KIB, 0x62);
    const head = `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${gigabyte}\r\n\r\n`;
    const server = await serve({ stream: headThen(head, piece, gigabyte / piece.length) });
    const { run, report } = await diagnose(server, ["--timeout", "5"], 5_000 + MARGIN_MS);
    assert.deepEqual(codes(report, "error"), []);
    assert.ok(codes(report).includes("http.body_read_capped"), codes(report).join(", "));
    assert.equal(run.code, 0);
    assert.equal(report.verdict.ok, true);
    const response = httpResponse(report);
    assert.equal(response.bodyBytes, 1024 * KIB, "--max-body defaults to 1 MiB");
    assert.equal(response.bodyComplete, false);
    assert.equal(response.end, "read_cap");
    // The server writes only as fast as the client reads: socket buffers hold a few MB at most.
    assert.ok(server.bytesSent() < 128 * 1024 * KIB, `${server.bytesSent()} bytes left the server`);
  });

  it("an endless chunked body with --max-body 4096: read to the cap and no further", async () => {
    const chunk = Buffer.from(`1000\r\n${"c".repeat(4096)}\r\n`, "latin1");
    const server = await serve({ stream: headThen("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", chunk) });
    const { run, report } = await diagnose(server, ["--timeout", "5", "--max-body", "4096"], 5_000 + MARGIN_MS);
    assert.deepEqual(codes(report, "error"), []);
    assert.ok(codes(report).includes("http.body_read_capped"));
    assert.equal(run.code, 0);
    assert.equal(httpResponse(report).bodyBytes, 4096);
  });

  it("four bytes a second with --timeout 2: http.response_timeout within the timeout", async () => {
    const response = `HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Slow: ${"s".repeat(64)}\r\n\r\nok`;
    const server = await serve({ stream: slowly(response, 1), intervalMs: 250 });
    const { run, report } = await diagnose(server, ["--timeout", "2"], 2_000 + MARGIN_MS);
    assert.deepEqual(codes(report, "error"), ["http.response_timeout"]);
    assert.equal(run.code, 1);
    const http = httpResponse(report);
    assert.equal(http.end, "timeout");
    assert.ok(http.bytesReceived > 0 && http.bytesReceived < 20, `${http.bytesReceived} bytes arrived`);
    assert.equal(report.verdict.edgeStatus, 524);
  });

  it("a silent origin with --max-time 2 --timeout 10: stops at --max-time, report marked incomplete", async () => {
    const server = await serve({ stream: () => () => null, after: "keep-open" });
    const { run, report } = await diagnose(server, ["--timeout", "10", "--max-time", "2"], 2_000 + MARGIN_MS);
    assert.ok(run.elapsedMs < 10_000, "well under the 10 s per-phase timeout");
    assert.equal(report.complete, false);
    assert.match(report.interruption ?? "", /--max-time/);
    assert.deepEqual(codes(report, "error"), ["http.response_timeout"]);
    assert.equal(run.code, 1);
  });
});
