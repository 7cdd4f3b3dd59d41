/**
 * Findings about the origin's certificate, as SSL mode Full (strict) judges it (cloudflare-docs
 * `ssl/origin-configuration/ssl-modes/full-strict`): dates, name, trust. Pure: the inspection
 * (tls/inspect-certificate.ts) in, findings out.
 */
import { type Finding, finding, type Origin } from "../findings/catalogue.js";
import type { CertificateInspection, CertificateProblem, DatedCertificate } from "../tls/inspect-certificate.js";

const STRICT_ONLY =
  "This matters only in SSL mode Full (strict), where the edge answers 526; in mode Full the edge accepts any certificate.";

export function checkCertificate(inspection: CertificateInspection, at: Origin): Finding[] {
  return inspection.problems.map((problem) => problemFinding(problem, inspection, at));
}

function describe(cert: DatedCertificate): string {
  const subject = cert.subject || "(empty subject)";
  return cert.index === 0 ? `the leaf certificate (${subject})` : `chain certificate #${cert.index + 1} (${subject})`;
}

function problemFinding(problem: CertificateProblem, inspection: CertificateInspection, at: Origin): Finding {
  // When OpenSSL verified a path, every certificate on it was in date: a dated one can only be an
  // extra the origin sends (an expired cross-signed root, say), which the edge ignores.
  const dateSeverity = inspection.pathVerified ? "warning" : "error";
  const dateAdvice = (advice: string): string =>
    inspection.pathVerified
      ? "The origin sends it, but the chain verifies without it, so the edge is not affected; remove it from the served chain, as older clients may still trip on it."
      : `${advice} ${STRICT_ONLY}`;
  const trustStore = `the public root CAs${inspection.extraCaCount > 0 ? ` and the ${inspection.extraCaCount} CA certificate(s) given with --ca-file` : ""}`;
  switch (problem.kind) {
    case "expired": {
      const which = problem.certificates.map(
        (cert) => `${describe(cert)} expired on ${cert.date} (${cert.daysAgo} day${cert.daysAgo === 1 ? "" : "s"} ago)`,
      );
      return finding(
        "tls.cert_expired",
        dateSeverity,
        at,
        `${which.join("; ")}. ${dateAdvice("Renew it and reload the server.")}`,
        {
          certificates: problem.certificates.map((cert) => cert.subject),
          validTo: problem.certificates.map((cert) => cert.date),
          now: inspection.checkedAt,
        },
      );
    }
    case "not_yet_valid": {
      const which = problem.certificates.map((cert) => `${describe(cert)} is valid only from ${cert.date}`);
      return finding(
        "tls.cert_not_yet_valid",
        dateSeverity,
        at,
        `${which.join("; ")}: ${dateAdvice("a certificate used too early, or a clock that is wrong (here or where it was issued).")}`,
        {
          certificates: problem.certificates.map((cert) => cert.subject),
          validFrom: problem.certificates.map((cert) => cert.date),
          now: inspection.checkedAt,
        },
      );
    }
    case "hostname_mismatch": {
      const names = problem.subjectAltNames.length > 0 ? problem.subjectAltNames.join(", ") : "no subjectAltName";
      return finding(
        "tls.cert_hostname_mismatch",
        "error",
        at,
        `The certificate does not name ${problem.hostname}: it is for ${names} (subject ${problem.subject || "empty"}). The edge checks the hostname of the request, not the origin's address. ${STRICT_ONLY}`,
        { hostname: problem.hostname, commonName: problem.commonName, subjectAltNames: problem.subjectAltNames },
      );
    }
    case "untrusted": {
      const { subject, issuer } = problem;
      const evidence = { reason: problem.why, subject, issuer, verifyError: inspection.verifyError, error: null };
      switch (problem.why) {
        case "self_signed":
          return finding(
            "tls.cert_untrusted",
            "error",
            at,
            `The origin's certificate is self-signed (${subject}): no CA vouches for it. Use a certificate from a public CA or from Cloudflare Origin CA. ${STRICT_ONLY}`,
            evidence,
          );
        case "untrusted_root":
          return finding(
            "tls.cert_untrusted",
            "error",
            at,
            `The chain ends at a root that is not in ${trustStore}: ${subject} (a private CA). ${STRICT_ONLY}`,
            evidence,
          );
        case "origin_ca":
          return finding(
            "tls.cert_untrusted",
            "warning",
            at,
            `The certificate is issued by ${issuer}, a Cloudflare Origin CA: the edge trusts it, but diag520 cannot check it without the Origin CA root (pass it with --ca-file).`,
            evidence,
          );
        case "unknown_issuer":
          return finding(
            "tls.cert_untrusted",
            "error",
            at,
            `The chain stops at ${subject}, whose issuer (${issuer}) is neither sent by the origin nor in ${trustStore}: either the origin does not send its intermediate certificate (an incomplete chain: configure the full chain file, not the certificate alone), or the issuer is a private CA. ${STRICT_ONLY}`,
            evidence,
          );
      }
      break;
    }
    case "verify_error":
      // The chain leads to a trusted root, but OpenSSL objects to something else (a CA flag, a
      // key usage, a path length): that is what the edge's verifier would object to as well.
      return finding(
        "tls.cert_untrusted",
        "error",
        at,
        `The chain leads to a trusted root but does not verify: ${problem.verifyError}. ${STRICT_ONLY}`,
        { reason: "verify_error", subject: null, issuer: null, verifyError: problem.verifyError, error: null },
      );
    case "no_certificate":
      return finding("tls.cert_untrusted", "error", at, `The origin sent no certificate. ${STRICT_ONLY}`, {
        reason: "no_certificate",
        subject: null,
        issuer: null,
        verifyError: inspection.verifyError,
        error: null,
      });
    case "unparsable":
      return finding(
        "tls.cert_untrusted",
        inspection.pathVerified ? "warning" : "error",
        at,
        `diag520 could not examine the certificate the origin sent: ${problem.error}.`,
        {
          reason: "unparsable",
          subject: null,
          issuer: null,
          verifyError: inspection.verifyError,
          error: problem.error,
        },
      );
  }
  throw new Error(`unhandled certificate problem ${JSON.stringify(problem)}`);
}
