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
import {
  generateLabCertificates,
  LAB_CA_ISSUERS_URL,
  ORIGIN_CA_ECC_KEY_ID,
  ORIGIN_CA_ECC_NAME,
} from "../../src/lab/certificates.js";
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

  test("a leaf sent without its intermediate, the root given: an incomplete chain, its own problem", () => {
    const inspection = inspect(certs.leafOnly.chainPem, {
      extraCaPem: [certs.caPem],
      opensslError: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    });
    assert.deepEqual(inspection.problems, [
      {
        kind: "chain_incomplete",
        subject: `CN=${HOSTNAME}`,
        missingIssuer: INTERMEDIATE,
        caIssuersUrl: LAB_CA_ISSUERS_URL,
        certificatesSent: 1,
      },
    ]);
    assert.equal(inspection.chain.length, 1);
    const [found] = judged(inspection);
    assert.equal(found?.code, "tls.chain_incomplete");
    assert.match(found?.detail ?? "", /The intermediate is missing/);
  });

  test("a certificate that does not say where its issuer is published stays an unknown issuer", () => {
    const key = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const issuer = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const pem = buildCertificate({
      subjectCommonName: HOSTNAME,
      subjectPublicKey: key.publicKey,
      issuerCommonName: "some private CA",
      issuerPrivateKey: issuer.privateKey,
      issuerPublicKey: issuer.publicKey,
      notBefore: new Date(Date.now() - DAY_MS),
      notAfter: new Date(Date.now() + 100 * DAY_MS),
      isCertificateAuthority: false,
      subjectAltNames: [HOSTNAME],
    });
    assert.deepEqual(inspect(pem).problems, [
      { kind: "untrusted", why: "unknown_issuer", subject: `CN=${HOSTNAME}`, issuer: "CN=some private CA" },
    ]);
  });

  test("an issuer that is not a CA is found even behind an expiry error from OpenSSL", () => {
    const now = new Date(Date.now() + 400 * DAY_MS); // every certificate of the chain has expired by then
    const inspection = inspect(certs.issuerNotCa.chainPem, {
      extraCaPem: [certs.caPem],
      opensslError: "CERT_HAS_EXPIRED",
      now,
    });
    assert.deepEqual(kinds(inspection), ["expired", "untrusted"]);
    assert.deepEqual(inspection.problems[1], {
      kind: "untrusted",
      why: "issuer_not_ca",
      subject: `CN=${HOSTNAME}`,
      issuer: "CN=diag520 test leaf used as a CA",
    });
    assert.equal(inspection.trusted, false);
    assert.deepEqual(
      judged(inspection).map((f) => [f.code, f.evidence.reason ?? null]),
      [
        ["tls.cert_expired", null],
        ["tls.cert_untrusted", "issuer_not_ca"],
      ],
    );
  });

  test("a certificate that expires within the warning window: expiring, with days left", () => {
    const inspection = inspect(certs.expiringSoon.chainPem, { opensslAuthorized: true, opensslError: null });
    assert.deepEqual(kinds(inspection), ["expiring"]);
    const [problem] = inspection.problems;
    assert.ok(problem?.kind === "expiring");
    assert.equal(problem.warnDays, 14);
    assert.deepEqual(
      problem.certificates.map((c) => [c.index, c.daysLeft]),
      [[0, 2]],
    );
    assert.deepEqual(inspect(certs.expiringSoon.chainPem, { opensslAuthorized: true, warnDays: 2 }).problems, []);
    assert.deepEqual(inspect(certs.valid.chainPem, { opensslAuthorized: true, warnDays: 0 }).problems, []);
  });

  test("names: only an IP SAN, a wildcard one label too high, other names", () => {
    const host = "x.lab.diag520.test";
    const why = (pem: string) => {
      const [problem] = inspect(pem, { hostname: host, opensslAuthorized: true }).problems;
      assert.ok(problem?.kind === "hostname_mismatch");
      return [problem.why, problem.wildcards];
    };
    assert.deepEqual(why(certs.ipOnly.chainPem), ["ip_san_only", []]);
    assert.deepEqual(why(certs.wildcardTooHigh.chainPem), ["wildcard_not_covering", ["*.diag520.test"]]);
    assert.deepEqual(why(certs.defaultSite.chainPem), ["other_names", []]);
    // The apex is not covered by its own wildcard either.
    const [apex] = inspect(certs.wildcardTooHigh.chainPem, {
      hostname: "diag520.test",
      opensslAuthorized: true,
    }).problems;
    assert.ok(apex?.kind === "hostname_mismatch" && apex.why === "wildcard_not_covering");
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

  test("a leaf from Cloudflare Origin CA, by issuer name and key identifier: recognised, not verifiable", () => {
    const inspection = inspect(certs.originCa.chainPem, { opensslError: "UNABLE_TO_GET_ISSUER_CERT_LOCALLY" });
    assert.deepEqual(inspection.problems, [
      { kind: "origin_ca", verified: false, issuer: ORIGIN_CA_ECC_NAME, keyIdentifier: ORIGIN_CA_ECC_KEY_ID },
    ]);
    assert.equal(inspection.trusted, null);
    assert.deepEqual(
      judged(inspection).map((f) => [f.code, f.severity]),
      [["tls.cert_origin_ca", "warning"]],
    );
  });

  test("Origin CA verified by the root given with --ca-file: context, trusted", () => {
    const inspection = inspect(certs.originCa.chainPem, { opensslAuthorized: true, opensslError: null });
    assert.deepEqual(kinds(inspection), ["origin_ca"]);
    assert.equal(inspection.trusted, true);
    assert.deepEqual(
      judged(inspection).map((f) => [f.code, f.severity]),
      [["tls.cert_origin_ca", "info"]],
    );
  });

  test("the Origin CA name with another key identifier is a look-alike: an unknown issuer", () => {
    const issuer = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const leaf = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const pem = buildCertificate({
      subjectCommonName: HOSTNAME,
      subjectPublicKey: leaf.publicKey,
      issuerCommonName: ORIGIN_CA_ECC_NAME,
      issuerPrivateKey: issuer.privateKey,
      issuerPublicKey: issuer.publicKey,
      notBefore: new Date(Date.now() - DAY_MS),
      notAfter: new Date(Date.now() + 100 * DAY_MS),
      isCertificateAuthority: false,
      subjectAltNames: [HOSTNAME],
    });
    const inspection = inspect(pem, { opensslError: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
    assert.deepEqual(
      inspection.problems.map((p) => (p.kind === "untrusted" ? p.why : p.kind)),
      ["unknown_issuer"],
    );
  });

  test("the Origin CA root given, but it did not sign the certificate: not a genuine one", () => {
    const impostorRoot = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const rootPem = buildCertificate({
      subjectCommonName: ORIGIN_CA_ECC_NAME,
      subjectPublicKey: impostorRoot.publicKey,
      issuerCommonName: ORIGIN_CA_ECC_NAME,
      issuerPrivateKey: impostorRoot.privateKey,
      issuerPublicKey: impostorRoot.publicKey,
      notBefore: new Date(Date.now() - DAY_MS),
      notAfter: new Date(Date.now() + 100 * DAY_MS),
      isCertificateAuthority: true,
    });
    const inspection = inspect(certs.originCa.chainPem, {
      extraCaPem: [rootPem],
      opensslError: "CERT_SIGNATURE_FAILURE",
    });
    assert.deepEqual(
      inspection.problems.map((p) => (p.kind === "untrusted" ? p.why : p.kind)),
      ["origin_ca_not_verified"],
    );
    assert.deepEqual(
      judged(inspection).map((f) => [f.code, f.severity]),
      [["tls.cert_untrusted", "error"]],
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
        why: "other_names",
        wildcards: [],
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
