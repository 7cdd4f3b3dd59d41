import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createPrivateKey, generateKeyPairSync, X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { generateLabCertificates } from "../../src/lab/certificates.js";
import { buildCertificate, ipAddressBytes } from "../../src/lab/x509.js";

const HOSTNAMES = ["origin.test", "127.0.0.1", "::1"];
const DAY_MS = 86_400_000;

function opensslAvailable(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("lab certificates", () => {
  const started = performance.now();
  const lab = generateLabCertificates(HOSTNAMES);
  const generationMs = performance.now() - started;
  const ca = new X509Certificate(lab.caPem);
  const intermediate = new X509Certificate(lab.valid.chainPem.slice(lab.valid.certPem.length));

  test("generation is quick (generous bound: EC keys only)", () => {
    // A generous upper bound only: a loaded 2-core machine can be slow.
    assert.ok(generationMs < 15_000, `took ${generationMs} ms`);
  });

  test("the CA set is a root and an intermediate, chained", () => {
    assert.equal(ca.ca, true);
    assert.equal(ca.subject, "CN=diag520 test root CA");
    assert.ok(ca.verify(ca.publicKey), "the root is self-signed");
    assert.equal(intermediate.ca, true);
    assert.ok(intermediate.checkIssued(ca) && intermediate.verify(ca.publicKey));
  });

  test("valid: issued by the intermediate for every name, valid now", () => {
    const leaf = new X509Certificate(lab.valid.certPem);
    assert.equal(leaf.ca, false);
    assert.equal(leaf.subject, "CN=origin.test");
    assert.ok(leaf.checkIssued(intermediate) && leaf.verify(intermediate.publicKey));
    assert.equal(leaf.subjectAltName, "DNS:origin.test, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1");
    assert.equal(leaf.checkHost("origin.test"), "origin.test");
    assert.equal(leaf.checkIP("127.0.0.1"), "127.0.0.1");
    assert.ok(Date.parse(leaf.validFrom) < Date.now() && Date.now() < Date.parse(leaf.validTo));
    assert.ok(leaf.checkPrivateKey(createPrivateKey(lab.valid.keyPem)));
    assert.match(leaf.serialNumber, /^[0-7][0-9A-F]*$/, "a positive serial");
  });

  test("expired and not yet valid: dates relative to now", () => {
    const expired = new X509Certificate(lab.expired.certPem);
    assert.ok(Date.parse(expired.validTo) < Date.now());
    const notYetValid = new X509Certificate(lab.notYetValid.certPem);
    assert.ok(Date.parse(notYetValid.validFrom) > Date.now());
  });

  test("wrong name: SAN only other.invalid", () => {
    const leaf = new X509Certificate(lab.wrongName.certPem);
    assert.equal(leaf.subjectAltName, "DNS:other.invalid");
    assert.equal(leaf.checkHost("origin.test"), undefined);
  });

  test("self-signed: issuer is subject, signed by its own key, chain is itself", () => {
    const leaf = new X509Certificate(lab.selfSigned.certPem);
    assert.equal(leaf.issuer, leaf.subject);
    assert.ok(leaf.verify(leaf.publicKey));
    assert.equal(lab.selfSigned.chainPem, lab.selfSigned.certPem);
  });

  test("openssl agrees, when it is installed", { skip: !opensslAvailable() && "openssl not installed" }, () => {
    const dir = mkdtempSync(join(tmpdir(), "diag520-x509-"));
    try {
      writeFileSync(join(dir, "ca.pem"), lab.caPem);
      writeFileSync(join(dir, "chain.pem"), lab.valid.chainPem);
      writeFileSync(join(dir, "leaf.pem"), lab.valid.certPem);
      const text = execFileSync("openssl", ["x509", "-noout", "-text", "-in", join(dir, "leaf.pem")], {
        encoding: "utf8",
      });
      assert.match(text, /Version: 3 \(0x2\)/);
      assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
      assert.match(text, /X509v3 Basic Constraints: critical\s+CA:FALSE/);
      assert.match(text, /X509v3 Authority Key Identifier/);
      const verified = execFileSync(
        "openssl",
        ["verify", "-CAfile", join(dir, "ca.pem"), "-untrusted", join(dir, "chain.pem"), join(dir, "leaf.pem")],
        { encoding: "utf8" },
      );
      assert.match(verified, /: OK/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("x509 encoding details", () => {
  const keys = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const build = (notBefore: Date, notAfter: Date) =>
    new X509Certificate(
      buildCertificate({
        subjectCommonName: "t",
        subjectPublicKey: keys.publicKey,
        issuerCommonName: "t",
        issuerPrivateKey: keys.privateKey,
        issuerPublicKey: keys.publicKey,
        notBefore,
        notAfter,
        isCertificateAuthority: false,
      }),
    );

  test("UTCTime up to 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5)", () => {
    const cert = build(new Date("2049-12-31T23:59:59Z"), new Date("2050-01-01T00:00:00Z"));
    assert.equal(new Date(cert.validFrom).toISOString(), "2049-12-31T23:59:59.000Z");
    assert.equal(new Date(cert.validTo).toISOString(), "2050-01-01T00:00:00.000Z");
  });

  test("dates far in the past and future", () => {
    const cert = build(new Date("1999-01-02T03:04:05Z"), new Date(Date.UTC(2100, 0, 1) + DAY_MS));
    assert.equal(new Date(cert.validFrom).toISOString(), "1999-01-02T03:04:05.000Z");
    assert.equal(new Date(cert.validTo).toISOString(), "2100-01-02T00:00:00.000Z");
  });

  const ipCases: ReadonlyArray<readonly [string, string]> = [
    ["127.0.0.1", "7f000001"],
    ["::1", "00000000000000000000000000000001"],
    ["::", "00000000000000000000000000000000"],
    ["2001:db8::8:800:200c:417a", "20010db80000000000080800200c417a"],
    ["fe80::1%eth0", "fe800000000000000000000000000001"],
    ["::ffff:192.0.2.1", "00000000000000000000ffffc0000201"],
    ["2001:db8:1:2:3:4:5:6", "20010db8000100020003000400050006"],
  ];
  for (const [address, hex] of ipCases) {
    test(`ipAddressBytes(${address})`, () => {
      assert.equal(ipAddressBytes(address).toString("hex"), hex);
    });
  }
});
