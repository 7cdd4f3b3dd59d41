/**
 * inspectCertificate in-process with certificates generated here (src/lab/certificates.ts), never
 * checked in: the chain a server would send, as `X509Certificate#toLegacyObject()` gives it (the
 * shape `getPeerCertificate()` has), with OpenSSL's verdict and the clock as inputs. Then
 * checkCertificate on the result, so that facts and words are checked together.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { describe, test } from "node:test";
import type { PeerCertificate } from "node:tls";
import { checkCertificate } from "../../src/checks/certificate.js";
import type { Finding } from "../../src/findings/catalogue.js";
import { generateLabCertificates } from "../../src/lab/certificates.js";
import { buildCertificate } from "../../src/lab/x509.js";
import {
  type CertificateInspection,
  type CertificateInspectionInput,
  inspectCertificate,
} from "../../src/tls/inspect-certificate.js";

const HOSTNAME = "origin.test";
const DAY_MS = 86_400_000;
const certs = generateLabCertificates([HOSTNAME, "127.0.0.1"]);
const ROOT = "CN=diag520 test root CA";
const INTERMEDIATE = "CN=diag520 test intermediate CA";

/** PEM bundle → the chain as a TLS client sees it, leaf first. */
function chainOf(pem: string): PeerCertificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block).toLegacyObject());
}

function inspect(pem: string, input: Partial<CertificateInspectionInput> = {}): CertificateInspection {
  return inspectCertificate({
    hostname: HOSTNAME,
    chain: chainOf(pem),
    opensslAuthorized: false,
    opensslError: "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    extraCaPem: [],
    now: new Date(),
    ...input,
  });
}

const kinds = (inspection: CertificateInspection) => inspection.problems.map((p) => p.kind);
const judged = (inspection: CertificateInspection): Finding[] =>
  checkCertificate(inspection, { leg: "origin", phase: "tls" });

describe("inspectCertificate with generated certificates", () => {
  test("a valid chain OpenSSL verified: no problem, the facts of each certificate", () => {
    const inspection = inspect(certs.valid.chainPem, { opensslAuthorized: true, opensslError: null });
    assert.deepEqual(inspection.problems, []);
    assert.equal(inspection.trusted, true);
    assert.equal(inspection.hostnameMatches, true);
    assert.equal(inspection.verifyError, null);
    assert.equal(inspection.pathVerified, true);
    assert.equal(inspection.chain.length, 2);
    assert.equal(inspection.chain[0]?.subject, `CN=${HOSTNAME}`);
    assert.equal(inspection.chain[0]?.issuer, INTERMEDIATE);
    assert.equal(inspection.chain[1]?.subject, INTERMEDIATE);
    assert.deepEqual(inspection.chain[0]?.subjectAltNames, [`DNS:${HOSTNAME}`, "IP Address:127.0.0.1"]);
    assert.equal(inspection.chain[0]?.selfSigned, false);
    assert.match(inspection.chain[0]?.validTo ?? "", /^\d{4}-\d\d-\d\dT.*Z$/);
    assert.deepEqual(judged(inspection), []);
  });

  test("an IP-literal hostname matches an IP SAN (RFC 6125)", () => {
    const inspection = inspect(certs.valid.chainPem, { hostname: "127.0.0.1", opensslAuthorized: true });
    assert.equal(inspection.hostnameMatches, true);
    assert.deepEqual(inspection.problems, []);
  });

  test("a private CA that is not given: unknown issuer at the top of what was sent", () => {
    const inspection = inspect(certs.valid.chainPem);
    assert.deepEqual(inspection.problems, [
      { kind: "untrusted", why: "unknown_issuer", subject: INTERMEDIATE, issuer: ROOT },
    ]);
    assert.equal(inspection.trusted, false);
    assert.equal(inspection.verifyError, "UNABLE_TO_GET_ISSUER_CERT_LOCALLY");
    const [found] = judged(inspection);
    assert.equal(found?.evidence.reason, "unknown_issuer");
    assert.match(found?.detail ?? "", /Full \(strict\)/);
  });

  test("a leaf sent without its intermediate, the root given: unknown issuer, an incomplete chain", () => {
    const inspection = inspect(certs.valid.certPem, {
      extraCaPem: [certs.caPem],
      opensslError: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    });
    assert.deepEqual(kinds(inspection), ["untrusted"]);
    assert.equal(inspection.chain.length, 1);
    const [found] = judged(inspection);
    assert.equal(found?.evidence.issuer, INTERMEDIATE);
    assert.match(found?.detail ?? "", /incomplete chain/);
    assert.match(found?.detail ?? "", /the 1 CA certificate\(s\) given with --ca-file/);
  });

  test("the whole private chain sent, root included: an untrusted root", () => {
    const inspection = inspect(certs.valid.chainPem + certs.caPem, { opensslError: "SELF_SIGNED_CERT_IN_CHAIN" });
    assert.deepEqual(inspection.problems, [{ kind: "untrusted", why: "untrusted_root", subject: ROOT, issuer: ROOT }]);
  });

  test("a chain that reaches a given root but that OpenSSL rejects for another reason: verify_error", () => {
    const inspection = inspect(certs.valid.chainPem, { extraCaPem: [certs.caPem], opensslError: "INVALID_CA" });
    assert.deepEqual(inspection.problems, [{ kind: "verify_error", verifyError: "INVALID_CA" }]);
    assert.equal(inspection.trusted, false);
  });

  test("a leaf from Cloudflare Origin CA: origin_ca, a warning", () => {
    const issuer = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const leaf = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const pem = buildCertificate({
      subjectCommonName: HOSTNAME,
      subjectPublicKey: leaf.publicKey,
      issuerCommonName: "CloudFlare Origin SSL ECC Certificate Authority",
      issuerPrivateKey: issuer.privateKey,
      issuerPublicKey: issuer.publicKey,
      notBefore: new Date(Date.now() - DAY_MS),
      notAfter: new Date(Date.now() + DAY_MS),
      isCertificateAuthority: false,
      subjectAltNames: [HOSTNAME],
    });
    const inspection = inspect(pem, { opensslError: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
    assert.deepEqual(kinds(inspection), ["untrusted"]);
    assert.deepEqual(
      judged(inspection).map((f) => [f.code, f.severity, f.evidence.reason]),
      [["tls.cert_untrusted", "warning", "origin_ca"]],
    );
  });

  test("an expired leaf with the root given: expired only, still trusted (a date error is no trust error)", () => {
    const inspection = inspect(certs.expired.chainPem, { extraCaPem: [certs.caPem], opensslError: "CERT_HAS_EXPIRED" });
    assert.deepEqual(kinds(inspection), ["expired"]);
    assert.equal(inspection.trusted, true);
    assert.equal(inspection.verifyError, "CERT_HAS_EXPIRED");
    const [found] = judged(inspection);
    assert.deepEqual([found?.code, found?.severity, found?.edgeStatus], ["tls.cert_expired", "error", 526]);
    assert.match(found?.detail ?? "", /the leaf certificate \(CN=origin\.test\) expired on .* \(1 day ago\)/);
    assert.deepEqual(found?.evidence.certificates, [`CN=${HOSTNAME}`]);
  });

  test("days since expiry are counted against the `now` given, not the machine's clock", () => {
    const validTo = Date.parse(new X509Certificate(certs.expired.certPem).validTo);
    const now = new Date(validTo + 3 * DAY_MS + 3_600_000);
    const inspection = inspect(certs.expired.chainPem, { extraCaPem: [certs.caPem], now });
    assert.deepEqual(inspection.problems[0], {
      kind: "expired",
      certificates: [{ index: 0, subject: `CN=${HOSTNAME}`, date: new Date(validTo).toISOString(), daysAgo: 3 }],
    });
    assert.equal(inspection.checkedAt, now.toISOString());
    assert.equal(judged(inspection)[0]?.evidence.now, now.toISOString());
  });

  test("an expired leaf from an unknown CA: both problems at once, neither masks the other", () => {
    const inspection = inspect(certs.expired.chainPem, { opensslError: "CERT_HAS_EXPIRED" });
    assert.deepEqual(kinds(inspection), ["expired", "untrusted"]);
    assert.deepEqual(
      judged(inspection).map((f) => f.code),
      ["tls.cert_expired", "tls.cert_untrusted"],
    );
  });

  test("a leaf not valid yet: not_yet_valid only, trusted", () => {
    const inspection = inspect(certs.notYetValid.chainPem, {
      extraCaPem: [certs.caPem],
      opensslError: "CERT_NOT_YET_VALID",
    });
    assert.deepEqual(kinds(inspection), ["not_yet_valid"]);
    assert.equal(inspection.trusted, true);
  });

  test("a certificate for another name: hostname mismatch with CN and SANs", () => {
    const inspection = inspect(certs.wrongName.chainPem, { opensslAuthorized: true, opensslError: null });
    assert.deepEqual(inspection.problems, [
      {
        kind: "hostname_mismatch",
        hostname: HOSTNAME,
        commonName: "other.invalid",
        subjectAltNames: ["DNS:other.invalid"],
        subject: "CN=other.invalid",
      },
    ]);
    assert.equal(inspection.hostnameMatches, false);
    assert.equal(inspection.trusted, true);
  });

  test("a self-signed certificate: untrusted, self-signed, the name still matches", () => {
    const inspection = inspect(certs.selfSigned.chainPem, {
      extraCaPem: [certs.caPem],
      opensslError: "DEPTH_ZERO_SELF_SIGNED_CERT",
    });
    assert.deepEqual(inspection.problems, [
      { kind: "untrusted", why: "self_signed", subject: `CN=${HOSTNAME}`, issuer: `CN=${HOSTNAME}` },
    ]);
    assert.equal(inspection.chain[0]?.selfSigned, true);
    assert.equal(inspection.hostnameMatches, true);
  });

  test("no certificate: no_certificate", () => {
    const inspection = inspect("");
    assert.deepEqual(inspection.problems, [{ kind: "no_certificate" }]);
    assert.deepEqual(inspection.chain, []);
  });
});
