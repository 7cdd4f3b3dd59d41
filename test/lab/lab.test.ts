import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { Resolver } from "node:dns/promises";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { type ConnectionOptions, connect as connectTls, type TLSSocket } from "node:tls";
import { type Lab, type RunningOrigin, startLab } from "../../src/lab/lab.js";
import { LAB_ORIGINS, MISSING_ORIGIN_NAME } from "../../src/lab/lab-origins.js";
import { PATTERNS } from "../../src/lab/patterns/patterns.js";

const REQUEST = "GET / HTTP/1.1\r\nHost: lab\r\nUser-Agent: lab-test\r\n\r\n";

function socketKinds(): string[] {
  return process.getActiveResourcesInfo().filter((kind) => /TCP|UDP|Pipe/.test(kind));
}

function find(lab: Lab, name: string): RunningOrigin & { port: number } {
  const running = lab.origins.find((candidate) => candidate.origin.name === name);
  assert.ok(running, `origin ${name} is running`);
  assert.ok(running.port !== null, `origin ${name} has a port`);
  return { ...running, port: running.port };
}

/** Everything the socket yields until the peer closes, and how it closed. */
async function readToClose(socket: Socket): Promise<{ bytes: Buffer; error: NodeJS.ErrnoException | null }> {
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    socket.on("error", resolve);
    socket.on("close", () => resolve(null));
  });
  return { bytes: Buffer.concat(chunks), error };
}

/** Reads until `length` bytes arrived (or the peer closed), then hangs up. */
async function readBytes(socket: Socket, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let received = 0;
  await new Promise<void>((resolve) => {
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received >= length) resolve();
    });
    socket.on("close", () => resolve());
    socket.on("error", () => resolve());
  });
  socket.destroy();
  return Buffer.concat(chunks);
}

async function plainRequest(port: number): Promise<Socket> {
  const socket = connect(port, "127.0.0.1");
  await once(socket, "connect");
  socket.write(REQUEST);
  return socket;
}

test("the catalogue is consistent: kebab-case unique names, exit codes that follow the expected codes", () => {
  const names = LAB_ORIGINS.map((origin) => origin.name);
  assert.equal(new Set(names).size, names.length);
  for (const origin of LAB_ORIGINS) {
    assert.match(origin.name, /^[a-z0-9]+(?:[-.][a-z0-9]+)*$/, origin.name);
    if (origin.expectedCodes.length > 0) assert.equal(origin.expectedExit, 1, origin.name);
    else assert.ok(origin.expectedExit === 0 || origin.expectedExit === 4, origin.name);
    assert.equal(origin.requires === "netns", origin.server.kind === "netns", origin.name);
  }
  const covered = new Set(LAB_ORIGINS.flatMap((origin) => origin.expectedCodes));
  for (const code of [
    "dns.unresolvable",
    "origin.unresolvable",
    "origin.is_cdn_address",
    "tcp.refused",
    "tcp.timeout",
    "tcp.unreachable",
    "tls.handshake_failed",
    "tls.not_tls",
    "tls.cert_expired",
    "tls.cert_not_yet_valid",
    "tls.cert_hostname_mismatch",
    "tls.cert_untrusted",
    "tls.chain_incomplete",
    "http.empty_reply",
    "http.connection_reset",
    "http.headers_too_large",
    "http.too_many_headers",
    "http.missing_headers",
    "http.invalid_status_line",
    "http.invalid_header",
    "http.conflicting_framing",
    "http.truncated_body",
    "http.response_timeout",
    "http2.malformed_response",
    "http2.stream_reset",
    "http2.goaway",
    "http2.bad_settings",
    "http2.refused_stream",
    "http2.response_timeout",
  ] as const) {
    assert.ok(covered.has(code), `an origin produces ${code}`);
  }
});

test("the lab starts and closes twice in a row without leaving a socket open", async () => {
  const before = socketKinds();
  for (let round = 0; round < 2; round++) {
    const started = performance.now();
    const lab = await startLab();
    assert.ok(performance.now() - started < 10_000, "starts well within 10 s");
    // Hold a kept-open and a never-answered connection: close() must end them too.
    const held = await Promise.all(
      ["keep-alive", "response-timeout"].map((name) => plainRequest(find(lab, name).port)),
    );
    for (const socket of held) socket.on("error", () => {});
    await lab.close();
    await Promise.all(held.map((socket) => (socket.closed ? null : once(socket, "close"))));
  }
  assert.deepEqual(socketKinds(), before);
});

describe("a running lab", () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab();
  });
  after(() => lab.close());

  test("serves every catalogue entry but the netns ones, and lists those as not served", () => {
    const served = lab.origins.map((running) => running.origin.name);
    const notServed = lab.notServed.map((origin) => origin.name);
    assert.deepEqual(notServed, ["tcp-timeout", "tcp-unreachable"]);
    assert.deepEqual([...served, ...notServed].sort(), LAB_ORIGINS.map((origin) => origin.name).sort());
  });

  test("every origin's port accepts a TCP connection, except the refused one", async () => {
    await Promise.all(
      lab.origins
        .filter((running) => running.port !== null)
        .map(async (running) => {
          const server = running.origin.server;
          const host = server.kind === "pattern" ? (PATTERNS[server.pattern].hosts[0] ?? "") : "127.0.0.1";
          const socket = connect(running.port ?? 0, host);
          // events.once rejects with the socket's 'error'.
          const outcome = await once(socket, "connect").then(
            () => "connected",
            (error: NodeJS.ErrnoException) => error.code,
          );
          socket.destroy();
          const expected = running.origin.server.kind === "refused" ? "ECONNREFUSED" : "connected";
          assert.equal(outcome, expected, running.origin.name);
        }),
    );
  });

  test("each command carries the hostname, the origin, the lab DNS server and, for https, the CA", () => {
    const healthy = find(lab, "healthy-https");
    assert.deepEqual(healthy.args, [
      "healthy-https.lab.diag520.test",
      "--origin",
      "127.0.0.1",
      "--port",
      String(healthy.port),
      "--scheme",
      "https",
      "--dns-server",
      lab.dnsServer,
      "--ca-file",
      lab.caFile,
      "--edge-address",
      `${lab.edge.address}:${lab.edge.httpsPort}`,
    ]);
    assert.deepEqual(find(lab, "response-timeout").args.slice(-2), ["--timeout", "1"]);
    const unresolvable = lab.origins.find((running) => running.origin.name === "dns-unresolvable");
    assert.ok(unresolvable && !unresolvable.args.includes("--origin"));
  });

  test("every plain origin answers exactly its catalogue bytes", async () => {
    const plain = lab.origins.filter((running) => running.origin.server.kind === "plain");
    await Promise.all(
      plain.map(async (running) => {
        const server = running.origin.server;
        assert.ok(server.kind === "plain");
        const expected = Buffer.from(server.reply.bytes, "latin1");
        const socket = await plainRequest(running.port ?? 0);
        if (server.reply.after === "close") {
          const { bytes, error } = await readToClose(socket);
          assert.equal(error, null, running.origin.name);
          assert.deepEqual(bytes, expected, running.origin.name);
        } else if (server.reply.after === "keep-open" && expected.length > 0) {
          assert.deepEqual(await readBytes(socket, expected.length), expected, running.origin.name);
        } else {
          socket.destroy();
        }
      }),
    );
  });

  test("empty-reply reads the request, then sends 0 bytes and a FIN", async () => {
    const socket = await plainRequest(find(lab, "empty-reply").port);
    const ended = once(socket, "end").then(() => true);
    const { bytes, error } = await readToClose(socket);
    assert.equal(bytes.length, 0);
    assert.equal(error, null);
    assert.equal(await ended, true);
  });

  test("empty-reply waits for the whole request head before closing", async () => {
    const socket = connect(find(lab, "empty-reply").port, "127.0.0.1");
    await once(socket, "connect");
    socket.write("GET / HTTP/1.1\r\nHost: lab\r\n");
    const closedEarly = await Promise.race([
      once(socket, "close").then(() => true),
      new Promise<boolean>((resolve) => setImmediate(() => setTimeout(() => resolve(false), 50))),
    ]);
    assert.equal(closedEarly, false);
    socket.write("\r\n");
    assert.equal((await readToClose(socket)).bytes.length, 0);
  });

  test("connection-reset answers the request with a reset", async () => {
    const { error } = await readToClose(await plainRequest(find(lab, "connection-reset").port));
    assert.equal(error?.code, "ECONNRESET");
  });

  test("response-timeout reads the request and keeps silent", async () => {
    const socket = await plainRequest(find(lab, "response-timeout").port);
    let received = 0;
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(received, 0);
    assert.equal(socket.closed, false);
    socket.destroy();
  });

  test("headers-too-large sends a header block over 16 KB", async () => {
    const { bytes } = await readToClose(await plainRequest(find(lab, "headers-too-large").port));
    const headEnd = bytes.indexOf("\r\n\r\n");
    assert.ok(headEnd > 16 * 1024, `head is ${headEnd} bytes`);
  });

  test("header-block-7kb stays under 8 KiB and too-many-headers sends 300 fields in under 4 KiB", async () => {
    const healthy = (await readToClose(await plainRequest(find(lab, "header-block-7kb").port))).bytes;
    const healthyHead = healthy.indexOf("\r\n\r\n") + 4;
    assert.ok(healthyHead > 7000 && healthyHead < 8192, `head is ${healthyHead} bytes`);
    const many = (await readToClose(await plainRequest(find(lab, "too-many-headers").port))).bytes;
    const head = many.subarray(0, many.indexOf("\r\n\r\n")).toString("latin1");
    assert.equal(head.split("\r\n").length - 1, 300);
    assert.ok(head.length < 4096);
  });

  async function tlsConnect(name: string, extra: ConnectionOptions = {}): Promise<TLSSocket> {
    const running = find(lab, name);
    const socket = connectTls({
      host: "127.0.0.1",
      port: running.port,
      servername: running.hostname,
      ca: lab.certificates.caPem,
      ...extra,
    });
    await once(socket, "secureConnect");
    return socket;
  }

  test("healthy-https presents a chain the lab CA trusts for the hostname, then answers", async () => {
    const socket = await tlsConnect("healthy-https");
    assert.equal(socket.authorized, true, String(socket.authorizationError));
    socket.write(REQUEST);
    const { bytes } = await readToClose(socket);
    assert.match(bytes.toString("latin1"), /^HTTP\/1\.1 200 OK\r\n/);
  });

  test("tls-expired presents a certificate whose validTo is in the past", async () => {
    const socket = await tlsConnect("tls-expired", { rejectUnauthorized: false });
    const certificate = socket.getPeerX509Certificate();
    socket.destroy();
    assert.ok(certificate instanceof X509Certificate);
    assert.ok(Date.parse(certificate.validTo) < Date.now(), certificate.validTo);
    assert.equal(socket.authorizationError, "CERT_HAS_EXPIRED");
  });

  test("each TLS origin fails verification with its own reason", async () => {
    const cases = [
      ["tls-not-yet-valid", "CERT_NOT_YET_VALID"],
      ["tls-self-signed", "DEPTH_ZERO_SELF_SIGNED_CERT"],
      ["tls-wrong-name", "ERR_TLS_CERT_ALTNAME_INVALID"],
    ] as const;
    for (const [name, reason] of cases) {
      const socket = await tlsConnect(name, { rejectUnauthorized: false });
      socket.destroy();
      assert.equal(String(socket.authorizationError), reason, name);
    }
  });

  test("tls-handshake-failure answers a ClientHello with a handshake_failure alert", async () => {
    await assert.rejects(tlsConnect("tls-handshake-failure"), (error: Error) => {
      assert.match(error.message, /alert handshake failure/i);
      return true;
    });
  });

  test("tls-1.0-only negotiates TLS 1.0 with a client that offers it", async () => {
    const socket = await tlsConnect("tls-1.0-only", { minVersion: "TLSv1", ciphers: "DEFAULT:@SECLEVEL=0" });
    assert.equal(socket.getProtocol(), "TLSv1");
    assert.equal(socket.authorized, true, String(socket.authorizationError));
    socket.destroy();
    await assert.rejects(tlsConnect("tls-1.0-only", { minVersion: "TLSv1.2" }));
  });

  test("the lab DNS server points every lab hostname at the CDN and knows no missing name", async () => {
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([lab.dnsServer]);
    assert.deepEqual(await resolver.resolve4("empty-reply.lab.diag520.test"), ["104.16.0.1"]);
    for (const missing of [MISSING_ORIGIN_NAME, "dns-unresolvable.lab.diag520.test"]) {
      await assert.rejects(resolver.resolve4(missing), { code: "ENOTFOUND" }, missing);
    }
  });
});
