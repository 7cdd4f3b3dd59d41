/**
 * Findings about the origin's certificate, as SSL mode Full (strict) judges it (cloudflare-docs
 * `ssl/origin-configuration/ssl-modes/full-strict`): dates, name, chain, trust, each named for
 * what it is. Pure: the inspection (tls/inspect-certificate.ts) in, findings out.
 */
import { type Finding, finding, type Origin } from "../findings/catalogue.js";
import type {
  CertificateInspection,
  CertificateProblem,
  DatedCertificate,
  ExpiringCertificate,
  MismatchWhy,
  WithoutSniProbe,
} from "../tls/inspect-certificate.js";

const STRICT_ONLY =
  "This matters only in SSL mode Full (strict), where the edge answers 526; in mode Full the edge accepts any certificate.";

export function checkCertificate(inspection: CertificateInspection, at: Origin): Finding[] {
  return inspection.problems.map((problem) => problemFinding(problem, inspection, at));
}

function describe(cert: DatedCertificate | ExpiringCertificate): string {
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
    case "expiring": {
      const which = problem.certificates.map(
        (cert) =>
          `${describe(cert)} expires on ${cert.date} (${cert.daysLeft === 0 ? "within a day" : `in ${cert.daysLeft} day${cert.daysLeft === 1 ? "" : "s"}`})`,
      );
      return finding(
        "tls.cert_expiring",
        "warning",
        at,
        `${which.join("; ")}, within the ${problem.warnDays} days of --cert-warn-days. From that moment the edge answers 526 in SSL mode Full (strict) (and browsers refuse it if the proxy is off). Renew it now and check that the renewal is automatic (certbot renew --dry-run, or your ACME client's timer) and that the server reloads afterwards.`,
        {
          certificates: problem.certificates.map((cert) => cert.subject),
          validTo: problem.certificates.map((cert) => cert.date),
          daysLeft: problem.certificates.map((cert) => cert.daysLeft),
          warnDays: problem.warnDays,
          now: inspection.checkedAt,
        },
      );
    }
    case "hostname_mismatch": {
      const names = problem.subjectAltNames.length > 0 ? problem.subjectAltNames.join(", ") : "no subjectAltName";
      const withoutSni = inspection.withoutSni ?? null;
      const sameWithoutSni = withoutSni === null || withoutSni.kind === "failed" ? null : withoutSni.kind === "same";
      return finding(
        "tls.cert_hostname_mismatch",
        "error",
        at,
        `${mismatchSentence(problem.why, problem.hostname, names, problem.wildcards, problem.subject)}${defaultCertificateSentence(withoutSni, problem.hostname)} The edge checks the hostname of the request, not the origin's address. ${STRICT_ONLY}`,
        {
          hostname: problem.hostname,
          commonName: problem.commonName,
          subjectAltNames: problem.subjectAltNames,
          mismatch: problem.why,
          wildcards: problem.wildcards,
          sameWithoutSni,
        },
      );
    }
    case "chain_incomplete":
      return finding(
        "tls.chain_incomplete",
        "error",
        at,
        `The origin sends ${problem.certificatesSent} certificate${problem.certificatesSent === 1 ? "" : "s"} and the chain stops at ${problem.subject}: its issuer (${problem.missingIssuer}) is published at ${problem.caIssuersUrl} but not sent. The intermediate is missing. Browsers often fetch or have cached it, so the site can look fine in one; the edge does not fetch missing intermediates (nor does Node, curl or most proxies) and answers 526. Serve the full chain: nginx ssl_certificate with the fullchain file, Apache SSLCertificateFile with the chain appended (2.4.8+), HAProxy a crt file holding the chain. ${STRICT_ONLY}`,
        {
          subject: problem.subject,
          missingIssuer: problem.missingIssuer,
          caIssuersUrl: problem.caIssuersUrl,
          certificatesSent: problem.certificatesSent,
        },
      );
    case "origin_ca":
      return problem.verified
        ? finding(
            "tls.cert_origin_ca",
            "info",
            at,
            `The certificate is from Cloudflare Origin CA (${problem.issuer}), verified against the Origin CA root given with --ca-file. The edge trusts it in Full (strict); browsers do not, which matters if the proxy is turned off for this hostname or Cloudflare is paused on the zone.`,
            { issuer: problem.issuer, keyIdentifier: problem.keyIdentifier, verified: true },
          )
        : finding(
            "tls.cert_origin_ca",
            "warning",
            at,
            `The certificate names Cloudflare Origin CA (${problem.issuer}, key identifier ${problem.keyIdentifier}) as its issuer. The edge trusts Origin CA certificates in Full (strict); browsers do not, which matters if the proxy is turned off for this hostname or Cloudflare is paused on the zone. diag520 does not bundle Cloudflare's Origin CA roots, so it recognised the certificate but could not check its signature: pass Cloudflare's published root (origin_ca_ecc_root.pem or origin_ca_rsa_root.pem, from the SSL/TLS docs) with --ca-file to verify it fully.`,
            { issuer: problem.issuer, keyIdentifier: problem.keyIdentifier, verified: false },
          );
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
        case "issuer_not_ca":
          return finding(
            "tls.cert_untrusted",
            "error",
            at,
            `${subject} is signed by ${issuer}, which is not a CA (no basicConstraints CA:TRUE): a certificate that may not issue others was used to. No verifier accepts that chain, whatever else is right with it. Have the certificate issued by the CA itself. ${STRICT_ONLY}`,
            evidence,
          );
        case "origin_ca_not_verified":
          return finding(
            "tls.cert_untrusted",
            "error",
            at,
            `The certificate names Cloudflare Origin CA as its issuer (${problem.issuer}), but the Origin CA root given with --ca-file did not sign it: it is not a genuine Origin CA certificate, and the edge would reject it. Issue a new one from the Cloudflare dashboard (SSL/TLS > Origin Server). ${STRICT_ONLY}`,
            evidence,
          );
        case "unknown_issuer":
          return finding(
            "tls.cert_untrusted",
            "error",
            at,
            `The chain stops at ${subject}, whose issuer (${issuer}) is neither sent by the origin nor in ${trustStore}, and the certificate does not say where its issuer is published: either the issuer is a private CA (give its root with --ca-file to check the rest, as a custom origin trust store), or the origin does not send an intermediate certificate (configure the full chain file, not the certificate alone). ${STRICT_ONLY}`,
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

function mismatchSentence(
  why: MismatchWhy,
  hostname: string,
  names: string,
  wildcards: readonly string[],
  subject: string,
): string {
  switch (why) {
    case "ip_san_only":
      return `The certificate names only IP addresses (${names}), not ${hostname}: the edge connects by the origin's address but checks the certificate against the hostname, so an IP certificate never passes (and Cloudflare's Origin CA issues none).`;
    case "wildcard_not_covering":
      return `The certificate's wildcard ${wildcards.join(", ")} does not cover ${hostname}: a wildcard stands for exactly one label, never for the bare domain nor for two labels (RFC 6125 §6.4.3). Add ${hostname} (or a wildcard one level down) to the certificate.`;
    case "no_names":
      return `The certificate names no host at all (no subjectAltName, subject ${subject || "empty"}), so it cannot match ${hostname}.`;
    case "other_names":
      return `The certificate does not name ${hostname}: it is for ${names} (subject ${subject || "empty"}).`;
  }
}

/** What the second handshake, without SNI, says about which certificate the origin chose. */
function defaultCertificateSentence(probe: WithoutSniProbe | null, hostname: string): string {
  if (probe === null || probe.kind === "failed") return "";
  if (probe.kind === "same") {
    return ` The origin serves this same certificate to a client that sends no SNI: it is its default certificate. Either no site (server block, virtual host) is configured for ${hostname}, so the server falls back to its default, or the server ignores SNI; configure a site for ${hostname} with its own certificate.`;
  }
  return ` Without SNI the origin serves another certificate (${probe.subject || "empty subject"}), so it did pick this one for ${hostname}: the site is configured with the wrong certificate.`;
}
