/**
 * An origin set up for Authenticated Origin Pulls (TLS 1.3, client certificate required): the
 * alert arrives after the handshake, on the first read. It must be named for what it is, not
 * reported as a reset.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createServer, type Server } from "node:tls";
import { generateLabCertificates } from "../../src/lab/certificates.js";
import { type DnsServer, startDnsServer } from "../../src/lab/dns-server.js";
import type { Report } from "../../src/report/schema.js";
import { runCli } from "../support/run-cli.js";

const HOSTNAME = "aop.test";
const certs = generateLabCertificates([HOSTNAME]);
const dir = mkdtempSync(join(tmpdir(), "diag520-aop-"));
const caFile = join(dir, "ca.pem");
let server: Server;
let dns: DnsServer;
let port = 0;

before(async () => {
  writeFileSync(caFile, certs.caPem);
  dns = await startDnsServer({ [HOSTNAME]: { A: ["127.0.0.1"] } });
  server = createServer({
    cert: certs.valid.chainPem,
    key: certs.valid.keyPem,
    minVersion: "TLSv1.3",
    requestCert: true,
    rejectUnauthorized: true,
    ca: [certs.caPem],
  });
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
});
after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await dns.close();
  rmSync(dir, { recursive: true, force: true });
});

test("a required client certificate is tls.client_certificate_required, not a reset", async () => {
  const result = await runCli([
    HOSTNAME,
    "--origin",
    "127.0.0.1",
    "--port",
    String(port),
    "--ca-file",
    caFile,
    "--json",
  ]);
  const report = JSON.parse(result.stdout) as Report;
  const codes = report.findings.map((f) => `${f.code}:${f.severity}`);
  assert.ok(codes.includes("tls.client_certificate_required:warning"), codes.join(", "));
  assert.ok(!codes.some((c) => c.startsWith("http.connection_reset")), codes.join(", "));
  // No verdict about a response never seen: exit 4, never 0.
  assert.equal(result.code, 4, result.stderr);
});
