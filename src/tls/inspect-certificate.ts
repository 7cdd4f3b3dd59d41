/**
 * Inspects the origin's certificate chain as the edge does in SSL mode Full (strict): validity
 * window, hostname, trust (cloudflare-docs `ssl/origin-configuration/ssl-modes/full-strict`).
 * It returns facts and typed problems, every one at once (OpenSSL's verify result keeps one
 * error only, so an expiry could hide an unknown issuer); checks/certificate.ts writes the words.
 * When OpenSSL says the chain is good, that is taken as is (the fast path); otherwise diag520
 * walks the chain itself, parsing the public roots only then.
 */
import { X509Certificate } from "node:crypto";
import {
  checkServerIdentity,
  type DetailedPeerCertificate,
  type PeerCertificate,
  rootCertificates,
  type TLSSocket,
} from "node:tls";
import type { CertificateFacts } from "../report/schema.js";

export interface CertificateInspectionInput {
  /** The name the edge checks the certificate against: the request's hostname. */
  readonly hostname: string;
  /** Leaf first, as `chainFromPeer` returns it. */
  readonly chain: readonly PeerCertificate[];
  /** `socket.authorized` with a no-op identity check, i.e. OpenSSL's chain verdict. */
  readonly opensslAuthorized: boolean;
  /** `socket.authorizationError`, e.g. "CERT_HAS_EXPIRED". */
  readonly opensslError: string | null;
  readonly extraCaPem: readonly string[];
  readonly now: Date;
}

/** A certificate of the chain outside its validity window. */
export interface DatedCertificate {
  /** 0 for the leaf. */
  readonly index: number;
  readonly subject: string;
  /** validTo for an expired certificate, validFrom for one not yet valid (ISO 8601). */
  readonly date: string;
  /** Whole days since it expired (0 for not yet valid). */
  readonly daysAgo: number;
}

export type CertificateProblem =
  | { readonly kind: "expired"; readonly certificates: readonly DatedCertificate[] }
  | { readonly kind: "not_yet_valid"; readonly certificates: readonly DatedCertificate[] }
  | {
      readonly kind: "hostname_mismatch";
      readonly hostname: string;
      readonly commonName: string | null;
      readonly subjectAltNames: readonly string[];
      readonly subject: string;
    }
  | {
      readonly kind: "untrusted";
      readonly why: "self_signed" | "untrusted_root" | "unknown_issuer" | "origin_ca";
      readonly subject: string;
      readonly issuer: string;
    }
  /** The chain leads to a trusted root but OpenSSL objects to something else (a CA flag, a key usage). */
  | { readonly kind: "verify_error"; readonly verifyError: string }
  | { readonly kind: "no_certificate" }
  /** OpenSSL took the certificate but Node cannot take it apart. */
  | { readonly kind: "unparsable"; readonly error: string };

export interface CertificateInspection {
  readonly chain: CertificateFacts[];
  readonly trusted: boolean | null;
  readonly hostnameMatches: boolean | null;
  readonly verifyError: string | null;
  /**
   * OpenSSL verified a path to a trusted root: a dated certificate can then only be an extra the
   * origin sends (an expired cross-signed root, say), which the edge ignores.
   */
  readonly pathVerified: boolean;
  readonly extraCaCount: number;
  /** When the inspection was made: the validity windows are judged against it. */
  readonly checkedAt: string;
  readonly problems: readonly CertificateProblem[];
}

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

/** OpenSSL verify codes that are about dates only: the validity problems already cover them. */
const TIME_ONLY_ERRORS: ReadonlySet<string> = new Set(["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID"]);

/** Cloudflare Origin CA certificates are trusted by the edge, not by public trust stores. */
const ORIGIN_CA_ISSUER = /CloudFlare Origin/i;

/** Inspects the certificate a TLS socket received; never throws (an unparsable certificate is a problem). */
export function inspectPeerCertificate(
  socket: TLSSocket,
  hostname: string,
  extraCaPem: readonly string[],
  now: Date,
): CertificateInspection {
  const opensslError = socket.authorized ? null : String(socket.authorizationError ?? "") || null;
  try {
    return inspectCertificate({
      hostname,
      chain: chainFromPeer(socket.getPeerCertificate(true)),
      opensslAuthorized: socket.authorized,
      opensslError,
      extraCaPem,
      now,
    });
  } catch (error) {
    return {
      chain: [],
      trusted: socket.authorized,
      hostnameMatches: null,
      verifyError: opensslError,
      pathVerified: socket.authorized,
      extraCaCount: extraCaPem.length,
      checkedAt: now.toISOString(),
      problems: [{ kind: "unparsable", error: error instanceof Error ? error.message : String(error) }],
    };
  }
}

export function inspectCertificate(input: CertificateInspectionInput): CertificateInspection {
  const now = input.now.getTime();
  const leaf = input.chain[0];
  const verifyError = input.opensslAuthorized ? null : input.opensslError;
  const base = {
    verifyError,
    pathVerified: input.opensslAuthorized,
    extraCaCount: input.extraCaPem.length,
    checkedAt: input.now.toISOString(),
  };
  if (!leaf) {
    return { ...base, chain: [], trusted: false, hostnameMatches: false, problems: [{ kind: "no_certificate" }] };
  }

  // Parsed on demand (~0.5 ms a certificate): a chain that OpenSSL verified, none of whose
  // certificates names itself as its issuer, needs none of it.
  const parsed: (X509Certificate | undefined)[] = [];
  const parsedAt = (i: number): X509Certificate =>
    (parsed[i] ??= new X509Certificate((input.chain[i] as PeerCertificate).raw));
  const chain: CertificateFacts[] = input.chain.map((cert, i) => ({
    subject: formatName(cert.subject),
    issuer: formatName(cert.issuer),
    subjectAltNames: splitAltNames(cert.subjectaltname),
    validFrom: isoDate(cert.valid_from),
    validTo: isoDate(cert.valid_to),
    serialNumber: cert.serialNumber,
    fingerprint256: cert.fingerprint256,
    // Equal names are necessary for RFC 5280's self-issued, and cheap to compare first.
    selfSigned: formatName(cert.subject) === formatName(cert.issuer) && isSelfSigned(parsedAt(i)),
  }));
  const problems: CertificateProblem[] = [];

  // Validity of every certificate in the chain, so that an expired intermediate is found too.
  const expired = chain.flatMap((cert, index) =>
    Date.parse(cert.validTo) < now
      ? [
          {
            index,
            subject: cert.subject,
            date: cert.validTo,
            daysAgo: Math.floor((now - Date.parse(cert.validTo)) / 86_400_000),
          },
        ]
      : [],
  );
  if (expired.length > 0) problems.push({ kind: "expired", certificates: expired });
  const notYetValid = chain.flatMap((cert, index) =>
    Date.parse(cert.validFrom) > now ? [{ index, subject: cert.subject, date: cert.validFrom, daysAgo: 0 }] : [],
  );
  if (notYetValid.length > 0) problems.push({ kind: "not_yet_valid", certificates: notYetValid });

  // RFC 6125 matching, exactly as node:tls would do it for a client that checks.
  const hostnameMatches = checkServerIdentity(input.hostname, leaf) === undefined;
  const leafFacts = chain[0] as CertificateFacts;
  if (!hostnameMatches) {
    problems.push({
      kind: "hostname_mismatch",
      hostname: input.hostname,
      commonName: typeof leaf.subject?.CN === "string" ? leaf.subject.CN : null,
      subjectAltNames: leafFacts.subjectAltNames,
      subject: leafFacts.subject,
    });
  }

  let trusted = input.opensslAuthorized;
  if (!trusted) {
    const verdict = walkToTrustAnchor(
      input.chain.map((_, i) => parsedAt(i)),
      trustAnchors(input.extraCaPem),
    );
    if (!verdict.trusted) {
      const issuer = verdict.at.issuer.replaceAll("\n", ", ");
      const why = verdict.why === "unknown_issuer" && ORIGIN_CA_ISSUER.test(issuer) ? "origin_ca" : verdict.why;
      problems.push({ kind: "untrusted", why, subject: verdict.at.subject.replaceAll("\n", ", "), issuer });
    } else if (verifyError !== null && !TIME_ONLY_ERRORS.has(verifyError)) {
      problems.push({ kind: "verify_error", verifyError });
    } else {
      trusted = true;
    }
  }
  return { ...base, chain, trusted, hostnameMatches, problems };
}
