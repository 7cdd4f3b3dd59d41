/**
 * checkCertificate in-process, fed each certificate problem by hand: the words, severity and
 * evidence for every kind, and how "OpenSSL verified a path" softens a dated extra certificate.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkCertificate } from "../../src/checks/certificate.js";
import type { Finding, Origin } from "../../src/findings/catalogue.js";
import type {
  CertificateInspection,
  CertificateProblem,
  MismatchWhy,
  UntrustedWhy,
  WithoutSniProbe,
} from "../../src/tls/inspect-certificate.js";

const AT: Origin = { leg: "origin", phase: "tls" };
const CHECKED_AT = "2026-03-01T12:00:00.000Z";
const LEAF = "CN=origin.test";
const INTERMEDIATE = "CN=diag520 test intermediate CA";

function inspection(problems: readonly CertificateProblem[], extra: Partial<CertificateInspection> = {}) {
  return {
    chain: [],
    trusted: false,
    hostnameMatches: true,
    verifyError: "SOME_OPENSSL_ERROR",
    pathVerified: false,
    extraCaCount: 0,
    checkedAt: CHECKED_AT,
    problems,
    ...extra,
  } satisfies CertificateInspection;
}

function only(findings: readonly Finding[]): Finding {
  assert.equal(findings.length, 1, findings.map((f) => f.code).join(", "));
  const [found] = findings;
  assert.equal(found?.leg, "origin");
  assert.equal(found?.phase, "tls");
  return found as Finding;
}

describe("checkCertificate: dates", () => {
  const expired: CertificateProblem = {
    kind: "expired",
    certificates: [
      { index: 0, subject: LEAF, date: "2026-02-28T00:00:00.000Z", daysAgo: 1 },
      { index: 1, subject: INTERMEDIATE, date: "2026-02-01T00:00:00.000Z", daysAgo: 28 },
    ],
  };

  test("expired, no verified path: an error (526) naming each certificate and when", () => {
    const found = only(checkCertificate(inspection([expired]), AT));
    assert.deepEqual([found.code, found.severity, found.edgeStatus], ["tls.cert_expired", "error", 526]);
    assert.match(
      found.detail,
      /the leaf certificate \(CN=origin\.test\) expired on 2026-02-28T00:00:00\.000Z \(1 day ago\)/,
    );
    assert.match(
      found.detail,
      /chain certificate #2 \(CN=diag520 test intermediate CA\) expired on .* \(28 days ago\)/,
    );
    assert.match(found.detail, /Renew it .* Full \(strict\)/);
    assert.deepEqual(found.evidence, {
      certificates: [LEAF, INTERMEDIATE],
      validTo: ["2026-02-28T00:00:00.000Z", "2026-02-01T00:00:00.000Z"],
      now: CHECKED_AT,
    });
  });

  test("expired, but OpenSSL verified a path without it: a warning, no edge status", () => {
    const found = only(checkCertificate(inspection([expired], { pathVerified: true, trusted: true }), AT));
    assert.deepEqual([found.code, found.severity, found.edgeStatus], ["tls.cert_expired", "warning", null]);
    assert.match(found.detail, /the chain verifies without it/);
  });

  test("not yet valid: an error with validFrom; a warning when a path verified", () => {
    const problem: CertificateProblem = {
      kind: "not_yet_valid",
      certificates: [{ index: 0, subject: "", date: "2026-03-02T00:00:00.000Z", daysAgo: 0 }],
    };
    const found = only(checkCertificate(inspection([problem]), AT));
    assert.deepEqual([found.code, found.severity, found.edgeStatus], ["tls.cert_not_yet_valid", "error", 526]);
    assert.match(found.detail, /the leaf certificate \(\(empty subject\)\) is valid only from 2026-03-02/);
    assert.deepEqual(found.evidence, { certificates: [""], validFrom: ["2026-03-02T00:00:00.000Z"], now: CHECKED_AT });
    assert.equal(only(checkCertificate(inspection([problem], { pathVerified: true }), AT)).severity, "warning");
  });
});

describe("checkCertificate: name and trust", () => {
  test("hostname mismatch: the names the certificate has, CN and SANs as evidence", () => {
    const problem: CertificateProblem = {
      kind: "hostname_mismatch",
      hostname: "origin.test",
      commonName: "other.invalid",
      subjectAltNames: ["DNS:other.invalid", "DNS:www.other.invalid"],
      subject: "CN=other.invalid",
      why: "other_names",
      wildcards: [],
    };
    const found = only(checkCertificate(inspection([problem]), AT));
    assert.deepEqual([found.code, found.severity, found.edgeStatus], ["tls.cert_hostname_mismatch", "error", 526]);
    assert.match(found.detail, /does not name origin\.test: it is for DNS:other\.invalid, DNS:www\.other\.invalid/);
    assert.deepEqual(found.evidence, {
      hostname: "origin.test",
      commonName: "other.invalid",
      subjectAltNames: ["DNS:other.invalid", "DNS:www.other.invalid"],
      mismatch: "other_names",
      wildcards: [],
      sameWithoutSni: null,
    });
  });

  test("hostname mismatch without SANs or subject: says so", () => {
    const problem: CertificateProblem = {
      kind: "hostname_mismatch",
      hostname: "origin.test",
      commonName: null,
      subjectAltNames: [],
      subject: "",
      why: "no_names",
      wildcards: [],
    };
    const found = only(checkCertificate(inspection([problem]), AT));
    assert.match(found.detail, /names no host at all \(no subjectAltName, subject empty\)/);
    assert.equal(found.evidence.commonName, null);
    assert.equal(found.evidence.mismatch, "no_names");
  });

  const mismatch = (why: MismatchWhy, subjectAltNames: string[], wildcards: string[] = []): CertificateProblem => ({
    kind: "hostname_mismatch",
    hostname: "a.b.origin.test",
    commonName: null,
    subjectAltNames,
    subject: "",
    why,
    wildcards,
  });
  const mismatchRows: ReadonlyArray<readonly [string, CertificateProblem, WithoutSniProbe | null, RegExp]> = [
    [
      "only an IP SAN",
      mismatch("ip_san_only", ["IP Address:192.0.2.1"]),
      null,
      /names only IP addresses \(IP Address:192\.0\.2\.1\)/,
    ],
    [
      "a wildcard one label too high",
      mismatch("wildcard_not_covering", ["DNS:*.origin.test"], ["*.origin.test"]),
      null,
      /wildcard \*\.origin\.test does not cover a\.b\.origin\.test: a wildcard stands for exactly one label/,
    ],
    [
      "the default certificate (the same without SNI)",
      mismatch("other_names", ["DNS:default.test"]),
      { kind: "same", subject: "CN=default.test", fingerprint256: "AA" },
      /same certificate to a client that sends no SNI: it is its default certificate.*no site .* is configured for a\.b\.origin\.test.*ignores SNI/,
    ],
    [
      "a site with the wrong certificate (another one without SNI)",
      mismatch("other_names", ["DNS:other.test"]),
      { kind: "different", subject: "CN=default.test", fingerprint256: "BB" },
      /Without SNI the origin serves another certificate \(CN=default\.test\).*wrong certificate/,
    ],
  ];
  for (const [name, problem, withoutSni, detail] of mismatchRows) {
    test(`hostname mismatch, named for what it is: ${name}`, () => {
      const found = only(checkCertificate({ ...inspection([problem]), withoutSni }, AT));
      assert.deepEqual([found.code, found.severity, found.edgeStatus], ["tls.cert_hostname_mismatch", "error", 526]);
      assert.match(found.detail, detail);
      assert.equal(found.evidence.mismatch, problem.kind === "hostname_mismatch" ? problem.why : null);
      assert.equal(found.evidence.sameWithoutSni, withoutSni === null ? null : withoutSni.kind === "same");
    });
  }

  const untrusted = (why: UntrustedWhy): CertificateProblem => ({
    kind: "untrusted",
    why,
    subject: LEAF,
    issuer: INTERMEDIATE,
  });
  const rows = [
    ["self_signed", 0, "error", /self-signed \(CN=origin\.test\)/],
    ["untrusted_root", 0, "error", /a root that is not in the public root CAs: CN=origin\.test \(a private CA\)/],
    ["untrusted_root", 2, "error", /not in the public root CAs and the 2 CA certificate\(s\) given with --ca-file/],
    [
      "unknown_issuer",
      0,
      "error",
      /whose issuer \(CN=diag520 test intermediate CA\) is neither sent .*private CA.*does not send an intermediate/,
    ],
    ["issuer_not_ca", 0, "error", /CN=origin\.test is signed by CN=diag520 test intermediate CA, which is not a CA/],
    ["origin_ca_not_verified", 1, "error", /names Cloudflare Origin CA .* did not sign it/],
  ] as const;
  for (const [why, extraCaCount, severity, detail] of rows) {
    test(`untrusted, ${why}${extraCaCount > 0 ? ", with --ca-file" : ""}: ${severity}`, () => {
      const found = only(checkCertificate(inspection([untrusted(why)], { extraCaCount }), AT));
      assert.deepEqual(
        [found.code, found.severity, found.edgeStatus],
        ["tls.cert_untrusted", severity, severity === "error" ? 526 : null],
      );
      assert.match(found.detail, detail);
      assert.deepEqual(found.evidence, {
        reason: why,
        subject: LEAF,
        issuer: INTERMEDIATE,
        verifyError: "SOME_OPENSSL_ERROR",
        error: null,
      });
    });
  }

  test("a chain that lacks its intermediate: its own finding (526), with where the issuer is published", () => {
    const problem: CertificateProblem = {
      kind: "chain_incomplete",
      subject: LEAF,
      missingIssuer: INTERMEDIATE,
      caIssuersUrl: "http://ca.example/int.crt",
      certificatesSent: 1,
    };
    const found = only(checkCertificate(inspection([problem]), AT));
    assert.deepEqual([found.code, found.severity, found.edgeStatus], ["tls.chain_incomplete", "error", 526]);
    assert.match(
      found.detail,
      /sends 1 certificate and the chain stops at CN=origin\.test.*published at http:\/\/ca\.example\/int\.crt but not sent.*does not fetch/,
    );
    assert.deepEqual(found.evidence, {
      subject: LEAF,
      missingIssuer: INTERMEDIATE,
      caIssuersUrl: "http://ca.example/int.crt",
      certificatesSent: 1,
    });
  });

  test("a certificate that expires within --cert-warn-days: a warning with the date", () => {
    const problem: CertificateProblem = {
      kind: "expiring",
      certificates: [{ index: 0, subject: LEAF, date: "2026-03-04T00:00:00.000Z", daysLeft: 3 }],
      warnDays: 14,
    };
    const found = only(checkCertificate(inspection([problem]), AT));
    assert.deepEqual([found.code, found.severity, found.edgeStatus], ["tls.cert_expiring", "warning", null]);
    assert.match(
      found.detail,
      /the leaf certificate \(CN=origin\.test\) expires on 2026-03-04T00:00:00\.000Z \(in 3 days\), within the 14 days/,
    );
    assert.deepEqual(found.evidence, {
      certificates: [LEAF],
      validTo: ["2026-03-04T00:00:00.000Z"],
      daysLeft: [3],
      warnDays: 14,
      now: CHECKED_AT,
    });
  });

  test("a Cloudflare Origin CA certificate: a warning that says why it cannot be verified; context once verified", () => {
    const unverified: CertificateProblem = {
      kind: "origin_ca",
      verified: false,
      issuer: "CloudFlare Origin SSL ECC Certificate Authority",
      keyIdentifier: "85305D3B2A70D4EDD5926707FDEB39B41A0E38A7",
    };
    const warning = only(checkCertificate(inspection([unverified]), AT));
    assert.deepEqual([warning.code, warning.severity, warning.edgeStatus], ["tls.cert_origin_ca", "warning", null]);
    assert.match(
      warning.detail,
      /trusts Origin CA certificates in Full \(strict\); browsers do not.*paused.*--ca-file/,
    );
    const info = only(checkCertificate(inspection([{ ...unverified, verified: true }]), AT));
    assert.deepEqual([info.severity, info.evidence.verified], ["info", true]);
  });

  test("a chain to a trusted root that OpenSSL still rejects: verify_error, OpenSSL's reason as evidence", () => {
    const found = only(checkCertificate(inspection([{ kind: "verify_error", verifyError: "INVALID_CA" }]), AT));
    assert.deepEqual([found.code, found.severity], ["tls.cert_untrusted", "error"]);
    assert.match(found.detail, /leads to a trusted root but does not verify: INVALID_CA/);
    assert.deepEqual(found.evidence, {
      reason: "verify_error",
      subject: null,
      issuer: null,
      verifyError: "INVALID_CA",
      error: null,
    });
  });

  test("no certificate at all: an error", () => {
    const found = only(checkCertificate(inspection([{ kind: "no_certificate" }]), AT));
    assert.deepEqual([found.code, found.severity], ["tls.cert_untrusted", "error"]);
    assert.equal(found.evidence.reason, "no_certificate");
  });

  test("a certificate Node cannot take apart: an error, a warning when OpenSSL verified it", () => {
    const problem: CertificateProblem = { kind: "unparsable", error: "bad DER" };
    const found = only(checkCertificate(inspection([problem]), AT));
    assert.deepEqual([found.code, found.severity], ["tls.cert_untrusted", "error"]);
    assert.equal(found.evidence.reason, "unparsable");
    assert.equal(found.evidence.error, "bad DER");
    assert.match(found.detail, /could not examine .*: bad DER/);
    assert.equal(only(checkCertificate(inspection([problem], { pathVerified: true }), AT)).severity, "warning");
  });

  test("every problem at once, in the order the inspection found them; none when there is none", () => {
    const problems: CertificateProblem[] = [
      { kind: "expired", certificates: [{ index: 0, subject: LEAF, date: CHECKED_AT, daysAgo: 0 }] },
      untrusted("unknown_issuer"),
    ];
    assert.deepEqual(
      checkCertificate(inspection(problems), AT).map((f) => f.code),
      ["tls.cert_expired", "tls.cert_untrusted"],
    );
    assert.deepEqual(checkCertificate(inspection([], { trusted: true, pathVerified: true }), AT), []);
  });
});
