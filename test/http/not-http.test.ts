/**
 * What answers on a web port when it is not an HTTP/1.x server, named for what it is (a mail
 * server, an SSH server, TLS, an HTTP/2-only server), and diagnosed as soon as the bytes tell:
 * these servers keep the connection open, so waiting for more would cost the whole deadline.
 * And a status code outside 100–599: passed on by the edge, a warning.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer as createH2cServer } from "node:http2";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import { checkLeg } from "../../src/checks/check-leg.js";
import { generateLabCertificates } from "../../src/lab/certificates.js";
import { runLeg } from "../../src/legs/run-leg.js";
import { legSpec } from "../support/leg-spec.js";
import { answer, type RawOrigin, startRawOrigin } from "../support/raw-origin.js";

/** Far beyond what any of these takes: proof that nothing waited for the deadline. */
const DEADLINE_MS = 30_000;
const PROMPTLY_MS = 10_000;

async function diagnosePort(port: number) {
  const started = performance.now();
  const leg = await runLeg(legSpec({ port, deadlineMs: DEADLINE_MS }), AbortSignal.timeout(DEADLINE_MS * 2));
  const elapsedMs = performance.now() - started;
  return { leg, findings: checkLeg(leg), elapsedMs };
}

describe("a service that speaks first, and keeps the connection open", () => {
  const banners = [
    ["smtp", "220 mail.example.test ESMTP Postfix\r\n"],
    ["ftp", "220 (vsFTPd 3.0.5) FTP server ready\r\n"],
    ["ssh", "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"],
    ["pop3", "+OK Dovecot ready.\r\n"],
    ["imap", "* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n"],
  ] as const;
  const origins: RawOrigin[] = [];
  after(async () => {
    await Promise.all(origins.map((origin) => origin.close()));
  });

  for (const [protocol, banner] of banners) {
    it(`${protocol}: http.not_http names it, without waiting out the deadline`, async () => {
      const origin = await startRawOrigin((socket) => socket.write(banner));
      origins.push(origin);
      const { findings, elapsedMs } = await diagnosePort(origin.port);
      const errors = findings.filter((f) => f.severity === "error");
      assert.deepEqual(
        errors.map((f) => f.code),
        ["http.not_http"],
      );
      assert.equal(errors[0]?.edgeStatus, 520);
      assert.equal(errors[0]?.evidence.protocol, protocol);
      assert.equal(errors[0]?.evidence.received, banner);
      assert.ok(elapsedMs < PROMPTLY_MS, `took ${Math.round(elapsedMs)} ms`);
    });
  }
});

describe("a reply in another protocol, to the request", () => {
  let tls: TlsServer;
  let tlsPort: number;
  before(async () => {
    const certificates = generateLabCertificates(["origin.test"]);
    tls = createTlsServer({ key: certificates.valid.keyPem, cert: certificates.valid.chainPem });
    tls.on("tlsClientError", () => {});
    tls.listen(0, "127.0.0.1");
    await once(tls, "listening");
    tlsPort = (tls.address() as AddressInfo).port;
  });
  after(async () => {
    tls.close();
  });

  it("plain HTTP to a TLS port that answers with an alert (as OpenSSL servers do): named as TLS", async () => {
    // A fatal protocol_version alert record (RFC 8446 §6), the connection kept open.
    const origin = await startRawOrigin((socket) =>
      socket.once("data", () => socket.write(Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46]))),
    );
    try {
      const { findings, elapsedMs } = await diagnosePort(origin.port);
      const notHttp = findings.find((f) => f.code === "http.not_http");
      assert.ok(notHttp, JSON.stringify(findings));
      assert.equal(notHttp.evidence.protocol, "tls");
      assert.match(notHttp.detail, /SSL mode Flexible/);
      assert.ok(elapsedMs < PROMPTLY_MS);
    } finally {
      await origin.close();
    }
  });

  it("plain HTTP to a TLS port that closes without a word (as Node's TLS server does): an empty reply", async () => {
    const { findings } = await diagnosePort(tlsPort);
    assert.deepEqual(
      findings.map((f) => f.code),
      ["http.empty_reply"],
    );
  });

  it("an HTTP/2-only server on a cleartext port: named as HTTP/2, not as HTTP/0.9", async () => {
    const h2c = createH2cServer();
    h2c.on("sessionError", () => {});
    h2c.listen(0, "127.0.0.1");
    await once(h2c, "listening");
    try {
      const { findings, elapsedMs } = await diagnosePort((h2c.address() as AddressInfo).port);
      const notHttp = findings.find((f) => f.code === "http.not_http");
      assert.ok(notHttp, JSON.stringify(findings));
      assert.equal(notHttp.evidence.protocol, "http2");
      assert.ok(elapsedMs < PROMPTLY_MS);
    } finally {
      h2c.close();
    }
  });

  it("bytes that look like nothing known stay http.missing_headers (an HTTP/0.9-style reply)", async () => {
    const origin = await startRawOrigin(answer("<html><body>hello</body></html>\n"));
    try {
      const { findings } = await diagnosePort(origin.port);
      assert.deepEqual(
        findings.filter((f) => f.severity === "error").map((f) => [f.code, f.evidence.problem]),
        [["http.missing_headers", "no_status_line"]],
      );
    } finally {
      await origin.close();
    }
  });
});

describe("a status code outside 100–599", () => {
  it("700: passed on by the edge's parser, a warning that clients treat it as a server error", async () => {
    const origin = await startRawOrigin(answer("HTTP/1.1 700 Odd\r\nContent-Length: 2\r\n\r\nok", (s) => s.end()));
    try {
      const { findings } = await diagnosePort(origin.port);
      assert.deepEqual(
        findings.map((f) => `${f.code}:${f.severity}`),
        ["http.status_out_of_range:warning"],
      );
      assert.equal(findings[0]?.evidence.statusCode, 700);
    } finally {
      await origin.close();
    }
  });
});
