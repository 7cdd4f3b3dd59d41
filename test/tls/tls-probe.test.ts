import assert from "node:assert/strict";
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { createServer as createNetServer, type Socket } from "node:net";
import { before, describe, test } from "node:test";
import { createServer as createTlsServer, TLSSocket, type TlsOptions } from "node:tls";
import { generateLabCertificates, type LabCertificates } from "../../src/lab/certificates.js";
import { buildCertificate } from "../../src/lab/x509.js";
import type { PipelineState } from "../../src/probes/probe.js";
import { tlsProbe } from "../../src/probes/tls.js";
import { connectTcp, listen, makeState, type StateOptions, shutdown } from "./support.js";

const HOSTNAME = "origin.test";
let certs: LabCertificates;

before(() => {
  certs = generateLabCertificates([HOSTNAME, "127.0.0.1"]);
});

interface TlsOrigin {
  readonly port: number;
  /** SNI names received, in order. Recorded while the ClientHello is processed, so before the client is done. */
  readonly servernames: readonly string[];
  close(): Promise<void>;
}

async function startTlsOrigin(options: TlsOptions): Promise<TlsOrigin> {
  const servernames: string[] = [];
  const server = createTlsServer(
    {
      ALPNProtocols: ["http/1.1"],
      // Called only when the client sends SNI; `undefined` keeps the server's own context.
      SNICallback: (servername, callback) => {
        servernames.push(servername);
        callback(null, undefined);
      },
      ...options,
    },
    (socket) => socket.on("error", () => {}),
  );
  server.on("tlsClientError", () => {});
  const port = await listen(server);
  return { port, servernames, close: () => shutdown(server) };
}

async function runTls(stateOptions: StateOptions, signal: AbortSignal = AbortSignal.timeout(5_000)) {
  const state: PipelineState = makeState(stateOptions);
  await connectTcp(state);
  try {
    const result = await tlsProbe.run(state, signal);
    return { result, socket: state.socket };
  } finally {
    state.socket?.destroy();
  }
}

const codes = (findings: readonly { code: string }[]): string[] => findings.map((f) => f.code).sort();

describe("tls probe against a real TLS origin", () => {
  test("a valid chain from a CA given with --ca-file: trusted, no findings, SNI sent", async () => {
    // honorCipherOrder false: the server takes the client's preference, so the edge's order shows.
    const origin = await startTlsOrigin({
      cert: certs.valid.chainPem,
      key: certs.valid.keyPem,
      honorCipherOrder: false,
    });
    try {
      const { result, socket } = await runTls({ port: origin.port, extraCaPem: [certs.caPem] });
      assert.equal(result.ok, true);
      assert.deepEqual(result.findings, []);
      assert.ok(socket instanceof TLSSocket, "state.socket is replaced by the TLS socket");
      assert.equal(result.facts.protocol, "TLSv1.3");
      assert.equal(result.facts.cipher, "TLS_AES_128_GCM_SHA256", "the edge's first TLS 1.3 suite");
      assert.equal(result.facts.alpn, "http/1.1");
      assert.equal(result.facts.servername, HOSTNAME);
      assert.equal(result.facts.trusted, true);
      assert.equal(result.facts.hostnameMatches, true);
      assert.equal(result.facts.verifyError, null);
      assert.equal(result.facts.chain[0]?.subject, `CN=${HOSTNAME}`);
      assert.equal(result.facts.chain[1]?.subject, "CN=diag520 test intermediate CA");
      assert.deepEqual(result.facts.chain[0]?.subjectAltNames, [`DNS:${HOSTNAME}`, "IP Address:127.0.0.1"]);
      assert.equal(result.facts.chain[0]?.selfSigned, false);
      assert.match(result.facts.chain[0]?.validTo ?? "", /^\d{4}-\d\d-\d\dT/);
      assert.deepEqual(origin.servernames, [HOSTNAME]);
    } finally {
      await origin.close();
    }
  });

  test("an IP-literal hostname sends no SNI and matches an IP SAN", async () => {
    const origin = await startTlsOrigin({ cert: certs.valid.chainPem, key: certs.valid.keyPem });
    try {
      const { result } = await runTls({ port: origin.port, hostname: "127.0.0.1", extraCaPem: [certs.caPem] });
      assert.deepEqual(result.findings, []);
      assert.equal(result.facts.servername, null);
      assert.deepEqual(origin.servernames, []);
    } finally {
      await origin.close();
    }
  });

  test("a private CA that is not given: untrusted (unknown issuer), nothing else", async () => {
    const origin = await startTlsOrigin({ cert: certs.valid.chainPem, key: certs.valid.keyPem });
    try {
      const { result } = await runTls({ port: origin.port });
      assert.equal(result.ok, true, "the edge in mode Full would still talk to it");
      assert.deepEqual(codes(result.findings), ["tls.cert_untrusted"]);
      assert.equal(result.findings[0]?.edgeStatus, 526);
      assert.equal(result.findings[0]?.evidence.reason, "unknown_issuer");
      assert.match(result.findings[0]?.detail ?? "", /Full \(strict\)/);
      assert.equal(result.facts.trusted, false);
      assert.notEqual(result.facts.verifyError, null);
    } finally {
      await origin.close();
    }
  });

  test("a leaf sent without its intermediate: untrusted, the detail names an incomplete chain", async () => {
    const origin = await startTlsOrigin({ cert: certs.valid.certPem, key: certs.valid.keyPem });
    try {
      const { result } = await runTls({ port: origin.port, extraCaPem: [certs.caPem] });
      assert.deepEqual(codes(result.findings), ["tls.cert_untrusted"]);
      assert.match(result.findings[0]?.detail ?? "", /incomplete chain/);
      assert.equal(result.findings[0]?.evidence.issuer, "CN=diag520 test intermediate CA");
      assert.equal(result.facts.chain.length, 1);
    } finally {
      await origin.close();
    }
  });

  test("a leaf from Cloudflare Origin CA (trusted by the edge only): a warning, not an error", async () => {
    const issuerKeys = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const leafKeys = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const certPem = buildCertificate({
      subjectCommonName: HOSTNAME,
      subjectPublicKey: leafKeys.publicKey,
      issuerCommonName: "CloudFlare Origin SSL ECC Certificate Authority",
      issuerPrivateKey: issuerKeys.privateKey,
      issuerPublicKey: issuerKeys.publicKey,
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 86_400_000),
      isCertificateAuthority: false,
      subjectAltNames: [HOSTNAME],
    });
    const origin = await startTlsOrigin({
      cert: certPem,
      key: leafKeys.privateKey.export({ type: "pkcs8", format: "pem" }),
    });
    try {
      const { result } = await runTls({ port: origin.port });
      assert.deepEqual(
        result.findings.map((f) => [f.code, f.severity]),
        [["tls.cert_untrusted", "warning"]],
      );
      assert.match(result.findings[0]?.detail ?? "", /--ca-file/);
      assert.equal(result.facts.trusted, false);
    } finally {
      await origin.close();
    }
  });

  test("an expired leaf: cert_expired only, still trusted", async () => {
    const origin = await startTlsOrigin({ cert: certs.expired.chainPem, key: certs.expired.keyPem });
    try {
      const { result } = await runTls({ port: origin.port, extraCaPem: [certs.caPem] });
      assert.equal(result.ok, true);
      assert.deepEqual(codes(result.findings), ["tls.cert_expired"]);
      assert.equal(result.findings[0]?.edgeStatus, 526);
      assert.match(
        result.findings[0]?.detail ?? "",
        /the leaf certificate \(CN=origin\.test\) expired on .* \(1 day ago\)/,
      );
      assert.deepEqual(result.findings[0]?.evidence.certificates, [`CN=${HOSTNAME}`]);
      assert.equal(result.facts.trusted, true);
      assert.equal(result.facts.verifyError, "CERT_HAS_EXPIRED");
    } finally {
      await origin.close();
    }
  });

  test("an expired leaf from an unknown CA: both problems at once, neither masks the other", async () => {
    const origin = await startTlsOrigin({ cert: certs.expired.chainPem, key: certs.expired.keyPem });
    try {
      const { result } = await runTls({ port: origin.port });
      assert.deepEqual(codes(result.findings), ["tls.cert_expired", "tls.cert_untrusted"]);
    } finally {
      await origin.close();
    }
  });

  test("a leaf not valid yet: cert_not_yet_valid only", async () => {
    const origin = await startTlsOrigin({ cert: certs.notYetValid.chainPem, key: certs.notYetValid.keyPem });
    try {
      const { result } = await runTls({ port: origin.port, extraCaPem: [certs.caPem] });
      assert.deepEqual(codes(result.findings), ["tls.cert_not_yet_valid"]);
      assert.equal(result.facts.trusted, true);
    } finally {
      await origin.close();
    }
  });

  test("a certificate for another name: hostname mismatch with CN and SANs as evidence", async () => {
    const origin = await startTlsOrigin({ cert: certs.wrongName.chainPem, key: certs.wrongName.keyPem });
    try {
      const { result } = await runTls({ port: origin.port, extraCaPem: [certs.caPem] });
      assert.deepEqual(codes(result.findings), ["tls.cert_hostname_mismatch"]);
      assert.deepEqual(result.findings[0]?.evidence, {
        hostname: HOSTNAME,
        commonName: "other.invalid",
        subjectAltNames: ["DNS:other.invalid"],
      });
      assert.equal(result.facts.hostnameMatches, false);
      assert.equal(result.facts.trusted, true);
    } finally {
      await origin.close();
    }
  });

  test("a self-signed certificate: untrusted, said to be self-signed", async () => {
    const origin = await startTlsOrigin({ cert: certs.selfSigned.chainPem, key: certs.selfSigned.keyPem });
    try {
      const { result } = await runTls({ port: origin.port, extraCaPem: [certs.caPem] });
      assert.deepEqual(codes(result.findings), ["tls.cert_untrusted"]);
      assert.equal(result.findings[0]?.evidence.reason, "self_signed");
      assert.match(result.findings[0]?.detail ?? "", /self-signed/);
      assert.equal(result.facts.chain[0]?.selfSigned, true);
      assert.equal(result.facts.hostnameMatches, true);
    } finally {
      await origin.close();
    }
  });

  test("a TLS 1.0-only origin (RSA, as the edge's TLS 1.0 ciphers need): a legacy_protocol warning only", async () => {
    const rsa = certs.issue({ names: [HOSTNAME], keyType: "rsa" });
    const origin = await startTlsOrigin({
      cert: rsa.chainPem,
      key: rsa.keyPem,
      minVersion: "TLSv1",
      maxVersion: "TLSv1",
      ciphers: "ECDHE-RSA-AES128-SHA:AES128-SHA:@SECLEVEL=0",
    });
    try {
      const { result } = await runTls({ port: origin.port, extraCaPem: [certs.caPem] });
      assert.equal(result.ok, true);
      assert.deepEqual(
        result.findings.map((f) => [f.code, f.severity, f.edgeStatus]),
        [["tls.legacy_protocol", "warning", null]],
      );
      assert.equal(result.facts.protocol, "TLSv1");
      assert.equal(result.facts.cipher, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
    } finally {
      await origin.close();
    }
  });

  test("an origin whose ciphers share nothing with the edge's: handshake_failed, with the alert", async () => {
    const origin = await startTlsOrigin({
      cert: certs.valid.chainPem,
      key: certs.valid.keyPem,
      maxVersion: "TLSv1.2",
      ciphers: "ECDHE-ECDSA-CHACHA20-POLY1305",
    });
    try {
      const { result } = await runTls({ port: origin.port, extraCaPem: [certs.caPem] });
      assert.equal(result.ok, false);
      assert.deepEqual(codes(result.findings), ["tls.handshake_failed"]);
      const [failure] = result.findings;
      assert.equal(failure?.edgeStatus, 525);
      assert.equal(failure?.evidence.alert, "handshake_failure");
      // OpenSSL 3.0 (Node 20) and 3.5 (Node 22, 24) name the same alert differently.
      assert.match(String(failure?.evidence.errorCode), /^ERR_SSL_(SSLV3|SSL\/TLS)_ALERT_HANDSHAKE_FAILURE$/);
      assert.equal(failure?.evidence.timedOut, false);
      assert.match(String(result.facts.errorCode), /^ERR_SSL_(SSLV3|SSL\/TLS)_ALERT_HANDSHAKE_FAILURE$/);
    } finally {
      await origin.close();
    }
  });

  test("a plain HTTP server on the port: not_tls", async () => {
    const server = createNetServer((socket) => {
      socket.once("data", () =>
        socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
      );
    });
    const port = await listen(server);
    try {
      const { result } = await runTls({ port });
      assert.equal(result.ok, false);
      assert.deepEqual(codes(result.findings), ["tls.not_tls"]);
      assert.equal(result.findings[0]?.edgeStatus, 525);
      assert.match(
        String(result.findings[0]?.evidence.errorCode),
        /^ERR_SSL_(WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG)$/,
      );
    } finally {
      await shutdown(server);
    }
  });

  test("a server that resets on the ClientHello: handshake_failed (reset)", async () => {
    const server = createNetServer((socket: Socket) => {
      socket.once("data", () => socket.resetAndDestroy());
    });
    const port = await listen(server);
    try {
      const { result } = await runTls({ port });
      assert.equal(result.ok, false);
      assert.deepEqual(codes(result.findings), ["tls.handshake_failed"]);
      assert.equal(result.findings[0]?.evidence.errorCode, "ECONNRESET");
      assert.match(result.findings[0]?.detail ?? "", /reset the connection during the handshake/);
    } finally {
      await shutdown(server);
    }
  });

  test("a server that closes on the ClientHello: handshake_failed (closed, no alert)", async () => {
    const server = createNetServer((socket: Socket) => {
      socket.once("data", () => socket.end());
    });
    const port = await listen(server);
    try {
      const { result } = await runTls({ port });
      assert.deepEqual(codes(result.findings), ["tls.handshake_failed"]);
      assert.match(result.findings[0]?.detail ?? "", /closed the connection during the handshake/);
    } finally {
      await shutdown(server);
    }
  });

  test("a server that never answers the ClientHello: handshake_failed, timed out, returns promptly", async () => {
    const server = createNetServer(() => {});
    const port = await listen(server);
    try {
      const started = performance.now();
      const { result } = await runTls({ port, timeoutMs: 200 }, AbortSignal.timeout(200));
      assert.ok(performance.now() - started < 5_000);
      assert.equal(result.ok, false);
      assert.deepEqual(codes(result.findings), ["tls.handshake_failed"]);
      assert.equal(result.findings[0]?.evidence.timedOut, true);
      assert.equal(result.findings[0]?.evidence.bytesRead, 0);
      assert.ok(Number(result.findings[0]?.evidence.bytesWritten) > 0, "the ClientHello went out");
      assert.equal(result.facts.errorCode, "ETIMEDOUT");
    } finally {
      await shutdown(server);
    }
  });

  test("not applicable to plain http", () => {
    assert.match(tlsProbe.notApplicable(makeState({ port: 80, scheme: "http" })) ?? "", /plain HTTP/);
    assert.equal(tlsProbe.notApplicable(makeState({ port: 443 })), null);
  });

  test("an expired cross-signed root the origin also sends is a warning, not a 526: the chain verifies without it", async () => {
    // The old long-chain setup: leaf + intermediate + the root cross-signed by an older, expired CA.
    const root = new X509Certificate(certs.caPem);
    const oldCa = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const day = 86_400_000;
    const crossSigned = buildCertificate({
      subjectCommonName: "diag520 test root CA",
      subjectPublicKey: root.publicKey,
      issuerCommonName: "diag520 old root CA",
      issuerPrivateKey: oldCa.privateKey,
      issuerPublicKey: oldCa.publicKey,
      notBefore: new Date(Date.now() - 400 * day),
      notAfter: new Date(Date.now() - 30 * day),
      isCertificateAuthority: true,
    });
    const origin = await startTlsOrigin({ cert: certs.valid.chainPem + crossSigned, key: certs.valid.keyPem });
    try {
      const { result } = await runTls({ port: origin.port, extraCaPem: [certs.caPem] });
      assert.equal(result.facts.trusted, true);
      assert.deepEqual(
        result.findings.filter((f) => f.severity === "error"),
        [],
      );
      const expired = result.findings.find((f) => f.code === "tls.cert_expired");
      assert.equal(expired?.severity, "warning", "the origin sends it, so the report still names it");
    } finally {
      await origin.close();
    }
  });
});
