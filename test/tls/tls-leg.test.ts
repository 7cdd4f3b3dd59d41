/**
 * The origin leg's TLS phase against real TLS servers on loopback, with certificates generated
 * by the test: what the leg observed (facts), then what the checks make of it (findings).
 * Each server answers the request with a healthy 200 once the handshake is done, so that the
 * leg's HTTP phase ends at once and every finding left is about TLS.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { createServer as createNetServer, type Socket } from "node:net";
import { before, describe, test } from "node:test";
import { createSecureContext, createServer as createTlsServer, type TlsOptions } from "node:tls";
import { checkLeg } from "../../src/checks/check-leg.js";
import { DeadlineExceeded } from "../../src/deadline.js";
import type { Finding } from "../../src/findings/catalogue.js";
import { buildVisitorRequest } from "../../src/http/request.js";
import { generateLabCertificates, type LabCertificates } from "../../src/lab/certificates.js";
import { buildCertificate } from "../../src/lab/x509.js";
import type { LegObservation, TlsOutcome } from "../../src/legs/observation.js";
import { originLegSpec } from "../../src/legs/origin-leg.js";
import { runLeg } from "../../src/legs/run-leg.js";
import { DEFAULTS, type DiagnoseOptions, type DiagnoseRequest } from "../../src/options.js";
import { legReport } from "../../src/report/leg-report.js";
import type { TlsFacts } from "../../src/report/schema.js";
import { type LegSpecParts, legSpec } from "../support/leg-spec.js";
import { answerOnce, listen, shutdown } from "../support/loopback-server.js";

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
    (socket) => answerOnce(socket),
  );
  server.on("tlsClientError", () => {});
  const port = await listen(server);
  return { port, servernames, close: () => shutdown(server) };
}

interface TlsLeg {
  readonly observation: LegObservation;
  readonly findings: Finding[];
  /** The tls phase's facts as the report shows them. */
  readonly facts: TlsFacts | null;
}

async function runTlsLeg(parts: Omit<LegSpecParts, "tls">, signal = AbortSignal.timeout(10_000)): Promise<TlsLeg> {
  return judge(await runLeg(legSpec({ tls: true, hostname: HOSTNAME, ...parts }), signal));
}

function judge(observation: LegObservation): TlsLeg {
  const findings = checkLeg(observation);
  const tls = legReport(observation, findings).phases.find((phase) => phase.name === "tls");
  return { observation, findings, facts: (tls?.facts ?? null) as TlsFacts | null };
}

/** The tls phase's outcome, asserting it ran and ended as `kind`. */
function tlsOutcome<K extends TlsOutcome["kind"]>(leg: TlsLeg, kind: K): Extract<TlsOutcome, { kind: K }> {
  const { tls } = leg.observation;
  assert.equal(tls.status, "ran");
  assert.equal(tls.status === "ran" && tls.outcome.kind, kind);
  return (tls as { outcome: unknown }).outcome as Extract<TlsOutcome, { kind: K }>;
}

/** The handshake succeeded and the request went over it: the origin's 200 came back through TLS. */
function assertExchangedOverTls(leg: TlsLeg): void {
  const { http } = leg.observation;
  assert.equal(http.status, "ran");
  assert.equal(http.status === "ran" && http.outcome.record.head?.statusCode, 200);
}

function assertHandshakeBlockedHttp(leg: TlsLeg): void {
  assert.deepEqual(leg.observation.http, { status: "not_run", because: "earlier_phase_failed" });
}

const codes = (findings: readonly Finding[]): string[] => findings.map((f) => f.code).sort();

/** Every finding here is about the TLS phase of the origin leg. */
function assertAllInTlsPhase(findings: readonly Finding[]): void {
  assert.deepEqual(
    findings.map((f) => [f.leg, f.phase]),
    findings.map(() => ["origin", "tls"]),
  );
}

describe("the TLS phase of a leg against a real TLS origin", () => {
  test("a valid chain from a CA given with --ca-file: trusted, no findings, SNI sent", async () => {
    // honorCipherOrder false: the server takes the client's preference, so the edge's order shows.
    const origin = await startTlsOrigin({
      cert: certs.valid.chainPem,
      key: certs.valid.keyPem,
      honorCipherOrder: false,
    });
    try {
      const leg = await runTlsLeg({ port: origin.port, extraCaPem: [certs.caPem] });
      assert.deepEqual(leg.findings, []);
      const outcome = tlsOutcome(leg, "established");
      assert.equal(outcome.protocol, "TLSv1.3");
      assert.equal(outcome.cipher, "TLS_AES_128_GCM_SHA256", "the edge's first TLS 1.3 suite");
      assert.equal(outcome.alpn, "http/1.1");
      assert.equal(outcome.certificate.trusted, true);
      assert.equal(outcome.certificate.hostnameMatches, true);
      assert.equal(outcome.certificate.verifyError, null);
      assert.equal(outcome.certificate.chain[0]?.subject, `CN=${HOSTNAME}`);
      assert.equal(outcome.certificate.chain[1]?.subject, "CN=diag520 test intermediate CA");
      assert.deepEqual(outcome.certificate.chain[0]?.subjectAltNames, [`DNS:${HOSTNAME}`, "IP Address:127.0.0.1"]);
      assert.equal(outcome.certificate.chain[0]?.selfSigned, false);
      assert.match(outcome.certificate.chain[0]?.validTo ?? "", /^\d{4}-\d\d-\d\dT/);
      assert.ok(outcome.bytes.bytesWritten > 0 && outcome.bytes.bytesRead > 0);
      assert.equal(leg.facts?.servername, HOSTNAME);
      assert.deepEqual(origin.servernames, [HOSTNAME]);
      assertExchangedOverTls(leg);
    } finally {
      await origin.close();
    }
  });

  test("an IP-literal hostname: the origin leg's spec sends no SNI (RFC 6066 §3), and an IP SAN matches", async () => {
    const origin = await startTlsOrigin({ cert: certs.valid.chainPem, key: certs.valid.keyPem });
    const request: DiagnoseRequest = {
      hostname: "127.0.0.1",
      displayHostname: "127.0.0.1",
      origin: null,
      scheme: "https",
      port: origin.port,
      path: "/",
      method: "GET",
      headers: [],
      userAgent: DEFAULTS.userAgent,
    };
    const options: DiagnoseOptions = {
      timeoutMs: 10_000,
      maxTimeMs: null,
      maxHeaderSize: DEFAULTS.maxHeaderSize,
      maxBodyBytes: DEFAULTS.maxBodyBytes,
      extraCaPem: [certs.caPem],
      dnsServers: [],
      redact: [],
    };
    try {
      const spec = originLegSpec(request, options, "127.0.0.1", buildVisitorRequest(request));
      assert.equal(spec.tls?.servername, null);
      const leg = judge(await runLeg(spec, AbortSignal.timeout(10_000)));
      assert.deepEqual(leg.findings, []);
      assert.equal(leg.facts?.servername, null);
      assert.deepEqual(origin.servernames, []);
      // A trailing dot is not part of an SNI name (RFC 6066 §3): it is dropped, the name checked keeps it.
      const dottedRequest = { ...request, hostname: `${HOSTNAME}.` };
      const dotted = originLegSpec(dottedRequest, options, "127.0.0.1", buildVisitorRequest(dottedRequest));
      assert.deepEqual([dotted.tls?.servername, dotted.tls?.hostname], [HOSTNAME, `${HOSTNAME}.`]);
    } finally {
      await origin.close();
    }
  });

  test("a private CA that is not given: untrusted (unknown issuer), nothing else", async () => {
    const origin = await startTlsOrigin({ cert: certs.valid.chainPem, key: certs.valid.keyPem });
    try {
      const leg = await runTlsLeg({ port: origin.port });
      assert.deepEqual(codes(leg.findings), ["tls.cert_untrusted"]);
      assertAllInTlsPhase(leg.findings);
      assert.equal(leg.findings[0]?.edgeStatus, 526);
      assert.equal(leg.findings[0]?.evidence.reason, "unknown_issuer");
      assert.match(leg.findings[0]?.detail ?? "", /Full \(strict\)/);
      const outcome = tlsOutcome(leg, "established");
      assert.equal(outcome.certificate.trusted, false);
      assert.notEqual(outcome.certificate.verifyError, null);
      // The edge in mode Full would still talk to it: the request went on.
      assertExchangedOverTls(leg);
    } finally {
      await origin.close();
    }
  });

  test("a leaf sent without its intermediate: an incomplete chain, named as such", async () => {
    const origin = await startTlsOrigin({ cert: certs.leafOnly.chainPem, key: certs.leafOnly.keyPem });
    try {
      const leg = await runTlsLeg({ port: origin.port, extraCaPem: [certs.caPem] });
      assert.deepEqual(codes(leg.findings), ["tls.chain_incomplete"]);
      assert.match(leg.findings[0]?.detail ?? "", /The intermediate is missing/);
      assert.equal(leg.findings[0]?.evidence.missingIssuer, "CN=diag520 test intermediate CA");
      assert.equal(tlsOutcome(leg, "established").certificate.chain.length, 1);
    } finally {
      await origin.close();
    }
  });

  test("a leaf from Cloudflare Origin CA (trusted by the edge only): a warning, not an error", async () => {
    const origin = await startTlsOrigin({ cert: certs.originCa.chainPem, key: certs.originCa.keyPem });
    try {
      const leg = await runTlsLeg({ port: origin.port });
      assert.deepEqual(
        leg.findings.map((f) => [f.code, f.severity]),
        [["tls.cert_origin_ca", "warning"]],
      );
      assert.match(leg.findings[0]?.detail ?? "", /--ca-file/);
      assert.equal(tlsOutcome(leg, "established").certificate.trusted, null);
      assert.match(leg.facts?.chain[0]?.issuer ?? "", /CloudFlare Origin SSL ECC Certificate Authority/);
    } finally {
      await origin.close();
    }
  });

  test("an expired leaf: cert_expired only, still trusted", async () => {
    const origin = await startTlsOrigin({ cert: certs.expired.chainPem, key: certs.expired.keyPem });
    try {
      const leg = await runTlsLeg({ port: origin.port, extraCaPem: [certs.caPem] });
      assert.deepEqual(codes(leg.findings), ["tls.cert_expired"]);
      assertAllInTlsPhase(leg.findings);
      assert.equal(leg.findings[0]?.edgeStatus, 526);
      assert.match(
        leg.findings[0]?.detail ?? "",
        /the leaf certificate \(CN=origin\.test\) expired on .* \(1 day ago\)/,
      );
      assert.deepEqual(leg.findings[0]?.evidence.certificates, [`CN=${HOSTNAME}`]);
      const outcome = tlsOutcome(leg, "established");
      assert.equal(outcome.certificate.trusted, true);
      assert.equal(outcome.certificate.verifyError, "CERT_HAS_EXPIRED");
      assertExchangedOverTls(leg);
    } finally {
      await origin.close();
    }
  });

  test("an expired leaf from an unknown CA: both problems at once, neither masks the other", async () => {
    const origin = await startTlsOrigin({ cert: certs.expired.chainPem, key: certs.expired.keyPem });
    try {
      const leg = await runTlsLeg({ port: origin.port });
      assert.deepEqual(codes(leg.findings), ["tls.cert_expired", "tls.cert_untrusted"]);
    } finally {
      await origin.close();
    }
  });

  test("a leaf not valid yet: cert_not_yet_valid only", async () => {
    const origin = await startTlsOrigin({ cert: certs.notYetValid.chainPem, key: certs.notYetValid.keyPem });
    try {
      const leg = await runTlsLeg({ port: origin.port, extraCaPem: [certs.caPem] });
      assert.deepEqual(codes(leg.findings), ["tls.cert_not_yet_valid"]);
      assert.equal(tlsOutcome(leg, "established").certificate.trusted, true);
    } finally {
      await origin.close();
    }
  });

  test("a certificate for another name: hostname mismatch with CN and SANs as evidence", async () => {
    const origin = await startTlsOrigin({ cert: certs.wrongName.chainPem, key: certs.wrongName.keyPem });
    try {
      const leg = await runTlsLeg({ port: origin.port, extraCaPem: [certs.caPem] });
      assert.deepEqual(codes(leg.findings), ["tls.cert_hostname_mismatch"]);
      assert.deepEqual(leg.findings[0]?.evidence, {
        hostname: HOSTNAME,
        commonName: "other.invalid",
        subjectAltNames: ["DNS:other.invalid"],
        mismatch: "other_names",
        wildcards: [],
        sameWithoutSni: null,
      });
      const outcome = tlsOutcome(leg, "established");
      assert.equal(outcome.certificate.hostnameMatches, false);
      assert.equal(outcome.certificate.trusted, true);
    } finally {
      await origin.close();
    }
  });

  test("SNI ignored: the same certificate comes back without SNI, so it is the origin's default", async () => {
    const origin = await startTlsOrigin({ cert: certs.defaultSite.chainPem, key: certs.defaultSite.keyPem });
    try {
      const leg = await runTlsLeg({ port: origin.port, extraCaPem: [certs.caPem], checkDefaultCertificate: true });
      assert.deepEqual(codes(leg.findings), ["tls.cert_hostname_mismatch"]);
      assert.equal(leg.findings[0]?.evidence.sameWithoutSni, true);
      assert.match(leg.findings[0]?.detail ?? "", /it is its default certificate/);
      assert.deepEqual(leg.facts?.withoutSni, {
        sameCertificate: true,
        subject: "CN=default-site.diag520.test",
        errorCode: null,
      });
      // The second handshake sent no SNI: the server saw the name once.
      assert.deepEqual(origin.servernames, [HOSTNAME]);
    } finally {
      await origin.close();
    }
  });

  test("a site with the wrong certificate: another one comes back without SNI", async () => {
    const wrong = createSecureContext({ cert: certs.wrongName.chainPem, key: certs.wrongName.keyPem });
    const origin = await startTlsOrigin({
      cert: certs.defaultSite.chainPem,
      key: certs.defaultSite.keyPem,
      SNICallback: (_servername, callback) => callback(null, wrong),
    });
    try {
      const leg = await runTlsLeg({ port: origin.port, extraCaPem: [certs.caPem], checkDefaultCertificate: true });
      assert.equal(leg.findings[0]?.evidence.sameWithoutSni, false);
      assert.match(leg.findings[0]?.detail ?? "", /Without SNI the origin serves another certificate/);
    } finally {
      await origin.close();
    }
  });

  test("a matching certificate: no second handshake", async () => {
    const origin = await startTlsOrigin({ cert: certs.valid.chainPem, key: certs.valid.keyPem });
    try {
      const leg = await runTlsLeg({ port: origin.port, extraCaPem: [certs.caPem], checkDefaultCertificate: true });
      assert.deepEqual(leg.findings, []);
      assert.equal(leg.facts?.withoutSni, null);
    } finally {
      await origin.close();
    }
  });

  test("a self-signed certificate: untrusted, said to be self-signed", async () => {
    const origin = await startTlsOrigin({ cert: certs.selfSigned.chainPem, key: certs.selfSigned.keyPem });
    try {
      const leg = await runTlsLeg({ port: origin.port, extraCaPem: [certs.caPem] });
      assert.deepEqual(codes(leg.findings), ["tls.cert_untrusted"]);
      assert.equal(leg.findings[0]?.evidence.reason, "self_signed");
      assert.match(leg.findings[0]?.detail ?? "", /self-signed/);
      const outcome = tlsOutcome(leg, "established");
      assert.equal(outcome.certificate.chain[0]?.selfSigned, true);
      assert.equal(outcome.certificate.hostnameMatches, true);
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
      const leg = await runTlsLeg({ port: origin.port, extraCaPem: [certs.caPem] });
      assert.deepEqual(
        leg.findings.map((f) => [f.code, f.severity, f.edgeStatus, f.phase]),
        [["tls.legacy_protocol", "warning", null, "tls"]],
      );
      const outcome = tlsOutcome(leg, "established");
      assert.equal(outcome.protocol, "TLSv1");
      assert.equal(outcome.cipher, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
      assertExchangedOverTls(leg);
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
      const leg = await runTlsLeg({ port: origin.port, extraCaPem: [certs.caPem] });
      assert.deepEqual(codes(leg.findings), ["tls.handshake_failed"]);
      assertAllInTlsPhase(leg.findings);
      const [failure] = leg.findings;
      assert.equal(failure?.edgeStatus, 525);
      assert.equal(failure?.evidence.alert, "handshake_failure");
      // OpenSSL 3.0 (Node 20) and 3.5 (Node 22, 24) name the same alert differently.
      const alertCode = /^ERR_SSL_(SSLV3|SSL\/TLS)_ALERT_HANDSHAKE_FAILURE$/;
      assert.match(String(failure?.evidence.errorCode), alertCode);
      assert.equal(failure?.evidence.timedOut, false);
      assert.equal(failure?.evidence.deadline, null);
      assert.equal(tlsOutcome(leg, "failed").failure.kind, "alert");
      assert.match(String(leg.facts?.errorCode), alertCode);
      assertHandshakeBlockedHttp(leg);
    } finally {
      await origin.close();
    }
  });

  test("a plain HTTP server on the port: not_tls", async () => {
    const server = createNetServer((socket) =>
      answerOnce(socket, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
    );
    const port = await listen(server);
    try {
      const leg = await runTlsLeg({ port });
      assert.deepEqual(codes(leg.findings), ["tls.not_tls"]);
      assertAllInTlsPhase(leg.findings);
      assert.equal(leg.findings[0]?.edgeStatus, 525);
      assert.match(
        String(leg.findings[0]?.evidence.errorCode),
        /^ERR_SSL_(WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG)$/,
      );
      assertHandshakeBlockedHttp(leg);
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
      const leg = await runTlsLeg({ port });
      assert.deepEqual(codes(leg.findings), ["tls.handshake_failed"]);
      assert.equal(leg.findings[0]?.evidence.errorCode, "ECONNRESET");
      assert.match(leg.findings[0]?.detail ?? "", /reset the connection during the handshake/);
      assert.equal(tlsOutcome(leg, "failed").failure.kind, "reset");
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
      const leg = await runTlsLeg({ port });
      assert.deepEqual(codes(leg.findings), ["tls.handshake_failed"]);
      assert.match(leg.findings[0]?.detail ?? "", /closed the connection during the handshake/);
      assert.equal(tlsOutcome(leg, "failed").failure.kind, "closed");
    } finally {
      await shutdown(server);
    }
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
      const leg = await runTlsLeg({ port: origin.port, extraCaPem: [certs.caPem] });
      assert.equal(tlsOutcome(leg, "established").certificate.trusted, true);
      assert.deepEqual(
        leg.findings.filter((f) => f.severity === "error"),
        [],
      );
      const expired = leg.findings.find((f) => f.code === "tls.cert_expired");
      assert.equal(expired?.severity, "warning", "the origin sends it, so the report still names it");
      assert.match(expired?.detail ?? "", /chain certificate #3/);
    } finally {
      await origin.close();
    }
  });

  test("not applicable to plain http: the tls phase does not run, the request goes in the clear", async () => {
    const server = createNetServer((socket) => answerOnce(socket));
    const port = await listen(server);
    try {
      const leg = judge(await runLeg(legSpec({ port, hostname: HOSTNAME }), AbortSignal.timeout(10_000)));
      assert.deepEqual(leg.observation.tls, { status: "not_run", because: "not_applicable" });
      assert.deepEqual(leg.findings, []);
      assert.equal(leg.facts, null);
      const tls = legReport(leg.observation, leg.findings).phases.find((phase) => phase.name === "tls");
      assert.equal(tls?.status, "skipped");
      assert.match(tls?.skipReason ?? "", /plain HTTP/);
      assert.equal(leg.observation.http.status === "ran" && leg.observation.http.outcome.record.head?.statusCode, 200);
    } finally {
      await shutdown(server);
    }
  });
});

describe("the TLS phase of a leg that is stopped", () => {
  /** A server that takes the connection and never answers the ClientHello; says when it has it. */
  async function silentOrigin() {
    let clientHello: () => void = () => {};
    const received = new Promise<void>((resolve) => {
      clientHello = resolve;
    });
    const server = createNetServer((socket) => socket.once("data", () => clientHello()));
    const port = await listen(server);
    return { port, received, close: () => shutdown(server) };
  }

  test("a server that never answers the ClientHello: handshake_failed, timed out, returns promptly", async () => {
    const origin = await silentOrigin();
    try {
      const started = performance.now();
      const leg = await runTlsLeg({ port: origin.port, deadlineMs: 200 });
      assert.ok(performance.now() - started < 5_000, "a wide upper bound: the phase deadline is 200 ms");
      assert.deepEqual(codes(leg.findings), ["tls.handshake_failed"]);
      assertAllInTlsPhase(leg.findings);
      const evidence = leg.findings[0]?.evidence;
      assert.equal(evidence?.timedOut, true);
      assert.equal(evidence?.timeoutMs, 200);
      assert.equal(evidence?.deadline, "phase");
      assert.equal(evidence?.bytesRead, 0);
      assert.ok(Number(evidence?.bytesWritten) > 0, "the ClientHello went out");
      assert.deepEqual(tlsOutcome(leg, "stopped").stop, { kind: "deadline", deadline: "phase", ms: 200 });
      assert.equal(leg.facts?.errorCode, "ETIMEDOUT");
      assertHandshakeBlockedHttp(leg);
    } finally {
      await origin.close();
    }
  });

  test("the run deadline firing mid-handshake: handshake_failed, the run's deadline named", async () => {
    const origin = await silentOrigin();
    const run = new AbortController();
    void origin.received.then(() => run.abort(new DeadlineExceeded("run", 1_234)));
    try {
      const leg = await runTlsLeg({ port: origin.port }, run.signal);
      assert.deepEqual(codes(leg.findings), ["tls.handshake_failed"]);
      assert.equal(leg.findings[0]?.evidence.deadline, "run");
      assert.equal(leg.findings[0]?.evidence.timeoutMs, 1_234);
      assert.deepEqual(leg.observation.http, { status: "not_run", because: "stopped" });
    } finally {
      await origin.close();
    }
  });

  test("Ctrl-C mid-handshake: the phase is stopped, and that is no finding about the origin", async () => {
    const origin = await silentOrigin();
    const interrupt = new AbortController();
    void origin.received.then(() => interrupt.abort());
    try {
      const leg = await runTlsLeg({ port: origin.port }, interrupt.signal);
      assert.deepEqual(tlsOutcome(leg, "stopped").stop, { kind: "cancelled" });
      assert.deepEqual(leg.findings, []);
      assert.deepEqual(leg.observation.http, { status: "not_run", because: "stopped" });
    } finally {
      await origin.close();
    }
  });
});
