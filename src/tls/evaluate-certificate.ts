/**
 * Judges the origin's certificate chain the way the edge does in SSL mode Full (strict):
 * validity window, hostname, trust (FACTS.md "TLS towards the origin"). Every problem is
 * reported at once: OpenSSL's verify result keeps one error only, so an expiry could hide an
 * unknown issuer. When OpenSSL says the chain is good, that is taken as is (the fast path);
 * otherwise diag520 walks the chain itself, parsing the public roots only then.
 */
import { X509Certificate } from "node:crypto";
import { checkServerIdentity, type DetailedPeerCertificate, type PeerCertificate, rootCertificates } from "node:tls";
import { type Finding, finding } from "../findings/catalogue.js";
import type { CertificateFacts } from "../report/schema.js";

export interface CertificateEvaluationInput {
  /** The name the edge checks the certificate against: the request's hostname. */
  readonly hostname: string;
  /** Leaf first, as `chainFromPeer` returns it. */
  readonly chain: readonly PeerCertificate[];
  /** `socket.authorized` with a no-op identity check, i.e. OpenSSL's chain verdict. */
  readonly opensslAuthorized: boolean;
  /** `socket.authorizationError`, e.g. "CERT_HAS_EXPIRED". */
  readonly opensslError: string | null;
  readonly extraCaPem: readonly string[];
  readonly now?: Date;
}

export interface CertificateEvaluation {
  readonly chain: CertificateFacts[];
  readonly trusted: boolean | null;
  readonly hostnameMatches: boolean | null;
  readonly verifyError: string | null;
  readonly findings: Finding[];
}

const STRICT_ONLY =
  "This matters only in SSL mode Full (strict), where the edge answers 526; in mode Full the edge accepts any certificate.";

/** Walks `issuerCertificate` from the leaf; stops at a self-issued top or a repeated certificate. */
export function chainFromPeer(leaf: DetailedPeerCertificate): PeerCertificate[] {
  const chain: PeerCertificate[] = [];
  const seen = new Set<string>();
  for (let cert: DetailedPeerCertificate | undefined = leaf; cert?.raw && !seen.has(cert.fingerprint256); ) {
    seen.add(cert.fingerprint256);
    chain.push(cert);
    cert = cert.issuerCertificate;
  }
  return chain;
}

function formatName(name: PeerCertificate["subject"] | undefined): string {
  if (!name) return "";
  return Object.entries(name)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join("+") : String(value)}`)
    .join(", ");
}

function splitAltNames(subjectaltname: string | undefined): string[] {
  return subjectaltname ? subjectaltname.split(", ").filter((entry) => entry !== "") : [];
}

function isoDate(text: string): string {
  const time = Date.parse(text);
  return Number.isNaN(time) ? text : new Date(time).toISOString();
}

/** Self-issued (RFC 5280 §3.3: subject = issuer) and signed by its own key. */
function isSelfSigned(cert: X509Certificate): boolean {
  return cert.subject === cert.issuer && cert.verify(cert.publicKey);
}

function describe(cert: PeerCertificate, index: number): string {
  const subject = formatName(cert.subject) || "(empty subject)";
  return index === 0 ? `the leaf certificate (${subject})` : `chain certificate #${index + 1} (${subject})`;
}

// --- trust ---

let publicRoots: X509Certificate[] | undefined;

/** Parsing ~140 roots costs milliseconds: only done when OpenSSL did not already say "trusted". */
function trustAnchors(extraCaPem: readonly string[]): X509Certificate[] {
  publicRoots ??= rootCertificates.map((pem) => new X509Certificate(pem));
  const extra = extraCaPem.flatMap(
    (bundle) => bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [],
  );
  return [...publicRoots, ...extra.map((pem) => new X509Certificate(pem))];
}

type TrustVerdict =
  | { readonly trusted: true }
  | {
      readonly trusted: false;
      readonly why: "self_signed" | "untrusted_root" | "unknown_issuer";
      readonly at: X509Certificate;
    };

function walkToTrustAnchor(chain: readonly X509Certificate[], anchors: readonly X509Certificate[]): TrustVerdict {
  const anchorPrints = new Set(anchors.map((anchor) => anchor.fingerprint256));
  const visited = new Set<X509Certificate>();
  let current = chain[0];
  while (current && !visited.has(current)) {
    visited.add(current);
    if (anchorPrints.has(current.fingerprint256)) return { trusted: true };
    const cert: X509Certificate = current;
    const issuedBy = (candidate: X509Certificate): boolean =>
      candidate.subject === cert.issuer && cert.checkIssued(candidate) && cert.verify(candidate.publicKey);
    if (anchors.some(issuedBy)) return { trusted: true };
    if (isSelfSigned(cert))
      return { trusted: false, why: cert === chain[0] ? "self_signed" : "untrusted_root", at: cert };
    const next = chain.find((candidate) => !visited.has(candidate) && issuedBy(candidate));
    if (!next) return { trusted: false, why: "unknown_issuer", at: cert };
    current = next;
  }
  return { trusted: false, why: "unknown_issuer", at: chain[chain.length - 1] ?? (chain[0] as X509Certificate) };
}

/** OpenSSL verify codes that are about dates only: the validity findings already cover them. */
const TIME_ONLY_ERRORS: ReadonlySet<string> = new Set(["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID"]);

/** Cloudflare Origin CA certificates are trusted by the edge, not by public trust stores. */
const ORIGIN_CA_ISSUER = /CloudFlare Origin/i;

function untrustedFinding(verdict: Exclude<TrustVerdict, { trusted: true }>, extraCaCount: number): Finding {
  const trustStore = `the public root CAs${extraCaCount > 0 ? ` and the ${extraCaCount} CA certificate(s) given with --ca-file` : ""}`;
  const subject = verdict.at.subject.replaceAll("\n", ", ");
  const issuer = verdict.at.issuer.replaceAll("\n", ", ");
  const evidence = { subject, issuer, reason: verdict.why };
  switch (verdict.why) {
    case "self_signed":
      return finding(
        "tls.cert_untrusted",
        "error",
        `The origin's certificate is self-signed (${subject}): no CA vouches for it. Use a certificate from a public CA or from Cloudflare Origin CA. ${STRICT_ONLY}`,
        evidence,
      );
    case "untrusted_root":
      return finding(
        "tls.cert_untrusted",
        "error",
        `The chain ends at a root that is not in ${trustStore}: ${subject} (a private CA). ${STRICT_ONLY}`,
        evidence,
      );
    case "unknown_issuer":
      if (ORIGIN_CA_ISSUER.test(issuer)) {
        return finding(
          "tls.cert_untrusted",
          "warning",
          `The certificate is issued by ${issuer}, a Cloudflare Origin CA: the edge trusts it, but diag520 cannot check it without the Origin CA root (pass it with --ca-file).`,
          evidence,
        );
      }
      return finding(
        "tls.cert_untrusted",
        "error",
        `The chain stops at ${subject}, whose issuer (${issuer}) is neither sent by the origin nor in ${trustStore}: either the origin does not send its intermediate certificate (an incomplete chain: configure the full chain file, not the certificate alone), or the issuer is a private CA. ${STRICT_ONLY}`,
        evidence,
      );
  }
}

export function evaluateCertificate(input: CertificateEvaluationInput): CertificateEvaluation {
  const now = (input.now ?? new Date()).getTime();
  const leaf = input.chain[0];
  const verifyError = input.opensslAuthorized ? null : input.opensslError;
  if (!leaf) {
    return {
      chain: [],
      trusted: false,
      hostnameMatches: false,
      verifyError,
      findings: [
        finding("tls.cert_untrusted", "error", `The origin sent no certificate. ${STRICT_ONLY}`, {
          reason: "no_certificate",
        }),
      ],
    };
  }

  const parsed = input.chain.map((cert) => new X509Certificate(cert.raw));
  const chain: CertificateFacts[] = input.chain.map((cert, i) => ({
    subject: formatName(cert.subject),
    issuer: formatName(cert.issuer),
    subjectAltNames: splitAltNames(cert.subjectaltname),
    validFrom: isoDate(cert.valid_from),
    validTo: isoDate(cert.valid_to),
    serialNumber: cert.serialNumber,
    fingerprint256: cert.fingerprint256,
    selfSigned: isSelfSigned(parsed[i] as X509Certificate),
  }));
  const findings: Finding[] = [];

  // Validity of every certificate in the chain, named, so that an expired intermediate is found too.
  // When OpenSSL verified the chain, every certificate on the path it built was in date: a dated
  // one can only be an extra the origin sends (an expired cross-signed root, say), which the
  // edge ignores. That is a warning, not a 526.
  const dateSeverity = input.opensslAuthorized ? "warning" : "error";
  const dateAdvice = (problem: string): string =>
    input.opensslAuthorized
      ? "The origin sends it, but the chain verifies without it, so the edge is not affected; remove it from the served chain, as older clients may still trip on it."
      : `${problem} ${STRICT_ONLY}`;
  const expired = input.chain.flatMap((cert, i) => (Date.parse(cert.valid_to) < now ? [i] : []));
  const notYetValid = input.chain.flatMap((cert, i) => (Date.parse(cert.valid_from) > now ? [i] : []));
  const nowIso = new Date(now).toISOString();
  if (expired.length > 0) {
    const which = expired.map((i) => {
      const cert = input.chain[i] as PeerCertificate;
      const days = Math.floor((now - Date.parse(cert.valid_to)) / 86_400_000);
      return `${describe(cert, i)} expired on ${isoDate(cert.valid_to)} (${days} day${days === 1 ? "" : "s"} ago)`;
    });
    findings.push(
      finding(
        "tls.cert_expired",
        dateSeverity,
        `${which.join("; ")}. ${dateAdvice("Renew it and reload the server.")}`,
        {
          certificates: expired.map((i) => chain[i]?.subject ?? ""),
          validTo: expired.map((i) => chain[i]?.validTo ?? ""),
          now: nowIso,
        },
      ),
    );
  }
  if (notYetValid.length > 0) {
    const which = notYetValid.map(
      (i) => `${describe(input.chain[i] as PeerCertificate, i)} is valid only from ${chain[i]?.validFrom}`,
    );
    findings.push(
      finding(
        "tls.cert_not_yet_valid",
        dateSeverity,
        `${which.join("; ")}: ${dateAdvice("a certificate used too early, or a clock that is wrong (here or where it was issued).")}`,
        {
          certificates: notYetValid.map((i) => chain[i]?.subject ?? ""),
          validFrom: notYetValid.map((i) => chain[i]?.validFrom ?? ""),
          now: nowIso,
        },
      ),
    );
  }

  // RFC 6125 matching, exactly as node:tls would do it for a client that checks.
  const identityError = checkServerIdentity(input.hostname, leaf);
  const hostnameMatches = identityError === undefined;
  const leafFacts = chain[0] as CertificateFacts;
  if (!hostnameMatches) {
    const names = leafFacts.subjectAltNames.length > 0 ? leafFacts.subjectAltNames.join(", ") : "no subjectAltName";
    findings.push(
      finding(
        "tls.cert_hostname_mismatch",
        "error",
        `The certificate does not name ${input.hostname}: it is for ${names} (subject ${leafFacts.subject || "empty"}). The edge checks the hostname of the request, not the origin's address. ${STRICT_ONLY}`,
        {
          hostname: input.hostname,
          commonName: typeof leaf.subject?.CN === "string" ? leaf.subject.CN : null,
          subjectAltNames: leafFacts.subjectAltNames,
        },
      ),
    );
  }

  let trusted = input.opensslAuthorized;
  if (!trusted) {
    const verdict = walkToTrustAnchor(parsed, trustAnchors(input.extraCaPem));
    if (!verdict.trusted) {
      findings.push(untrustedFinding(verdict, input.extraCaPem.length));
    } else if (verifyError !== null && !TIME_ONLY_ERRORS.has(verifyError)) {
      // The chain leads to a trusted root, but OpenSSL objects to something else (a CA flag, a
      // key usage, a path length): that is what the edge's verifier would object to as well.
      findings.push(
        finding(
          "tls.cert_untrusted",
          "error",
          `The chain leads to a trusted root but does not verify: ${verifyError}. ${STRICT_ONLY}`,
          {
            verifyError,
          },
        ),
      );
    } else {
      trusted = true;
    }
  }
  return { chain, trusted, hostnameMatches, verifyError, findings };
}
