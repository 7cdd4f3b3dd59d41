/**
 * Inspects the origin's certificate chain as the edge does in SSL mode Full (strict): validity
 * window, hostname, trust (cloudflare-docs `ssl/origin-configuration/ssl-modes/full-strict`).
 * It returns facts and typed problems, every one at once (OpenSSL's verify result keeps one
 * error only, so an expiry could hide an unknown issuer or an issuer that is not a CA);
 * checks/certificate.ts writes the words. When OpenSSL says the chain is good, that is taken as
 * is (the fast path); otherwise diag520 walks the chain itself, parsing the public roots only then.
 *
 * Named for what they are: a chain that stops at a certificate whose issuer is published (AIA
 * caIssuers, which public CAs always write) lacks its intermediate, apart from an unknown issuer;
 * a Cloudflare Origin CA certificate is recognised by its issuer's name and key identifier
 * (Cloudflare's published `origin_ca_rsa_root.pem`, `origin_ca_ecc_root.pem`), trusted by the edge and not by browsers, and cannot be verified without Cloudflare's
 * root; a name mismatch says whether the certificate has only IP addresses, or a wildcard one
 * label off.
 */
import { X509Certificate } from "node:crypto";
import {
  checkServerIdentity,
  type DetailedPeerCertificate,
  type PeerCertificate,
  rootCertificates,
  type TLSSocket,
} from "node:tls";
import { DEFAULTS } from "../options.js";
import type { CertificateFacts } from "../report/schema.js";
import { authorityKeyIdentifier } from "./x509-extensions.js";

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
  /** A certificate that expires within this many days is a problem of its own (0: never); default 14. */
  readonly warnDays?: number;
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

/** A certificate of the chain that expires soon. */
export interface ExpiringCertificate {
  readonly index: number;
  readonly subject: string;
  /** validTo (ISO 8601). */
  readonly date: string;
  /** Whole days left. */
  readonly daysLeft: number;
}

/**
 * Why the name does not match: the certificate names only IP addresses; it has a wildcard for
 * the hostname's zone that does not cover the hostname (one label only, never the apex, RFC 6125
 * §6.4.3); it names other hosts; or no name at all.
 */
export type MismatchWhy = "ip_san_only" | "wildcard_not_covering" | "other_names" | "no_names";

export type UntrustedWhy =
  | "self_signed"
  | "untrusted_root"
  | "unknown_issuer"
  /** The certificate above in the chain signed it but is not a CA (basicConstraints CA:FALSE or none). */
  | "issuer_not_ca"
  /** Named and key-identified as Origin CA, but the Origin CA root given with --ca-file did not sign it. */
  | "origin_ca_not_verified";

export type CertificateProblem =
  | { readonly kind: "expired"; readonly certificates: readonly DatedCertificate[] }
  | { readonly kind: "not_yet_valid"; readonly certificates: readonly DatedCertificate[] }
  | { readonly kind: "expiring"; readonly certificates: readonly ExpiringCertificate[]; readonly warnDays: number }
  | {
      readonly kind: "hostname_mismatch";
      readonly hostname: string;
      readonly commonName: string | null;
      readonly subjectAltNames: readonly string[];
      readonly subject: string;
      readonly why: MismatchWhy;
      /** The certificate's wildcards for the hostname's zone that do not cover it. */
      readonly wildcards: readonly string[];
    }
  /** The chain stops at `subject`, whose issuer is published but not sent: the intermediate is missing. */
  | {
      readonly kind: "chain_incomplete";
      readonly subject: string;
      readonly missingIssuer: string;
      readonly caIssuersUrl: string;
      readonly certificatesSent: number;
    }
  | {
      readonly kind: "untrusted";
      readonly why: UntrustedWhy;
      readonly subject: string;
      readonly issuer: string;
    }
  /** A Cloudflare Origin CA certificate: `verified` when the Origin CA root given with --ca-file signed it. */
  | { readonly kind: "origin_ca"; readonly verified: boolean; readonly issuer: string; readonly keyIdentifier: string }
  /** The chain leads to a trusted root but OpenSSL objects to something else (a CA flag, a key usage). */
  | { readonly kind: "verify_error"; readonly verifyError: string }
  | { readonly kind: "no_certificate" }
  /** OpenSSL took the certificate but Node cannot take it apart. */
  | { readonly kind: "unparsable"; readonly error: string };

export interface CertificateInspection {
  readonly chain: CertificateFacts[];
  /** null: not verifiable from here (a Cloudflare Origin CA certificate without its root). */
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
  /** Another handshake without SNI, made only when the name did not match (tls/without-sni.ts). */
  readonly withoutSni?: WithoutSniProbe | null;
}

/** What a handshake without SNI got: the same certificate (the origin's default), another one, or none. */
export type WithoutSniProbe =
  | { readonly kind: "same" | "different"; readonly subject: string; readonly fingerprint256: string }
  | { readonly kind: "failed"; readonly errorCode: string | null };

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
      readonly why: "self_signed" | "untrusted_root" | "unknown_issuer" | "issuer_not_ca";
      readonly at: X509Certificate;
      /** For issuer_not_ca: the certificate that signed `at` without being a CA. */
      readonly signer?: X509Certificate;
    };

/**
 * From the leaf up, by name and signature, to a trust anchor. Every issuer on the way must be a
 * CA (RFC 5280 §4.2.1.9): OpenSSL says so too, but its verify result keeps one error, so a
 * non-CA issuer can hide behind an expiry.
 */
function walkToTrustAnchor(chain: readonly X509Certificate[], anchors: readonly X509Certificate[]): TrustVerdict {
  const anchorPrints = new Set(anchors.map((anchor) => anchor.fingerprint256));
  const visited = new Set<X509Certificate>();
  let current = chain[0];
  while (current && !visited.has(current)) {
    visited.add(current);
    if (anchorPrints.has(current.fingerprint256)) return { trusted: true };
    const cert: X509Certificate = current;
    const signedBy = (candidate: X509Certificate): boolean =>
      candidate.subject === cert.issuer && cert.verify(candidate.publicKey);
    if (anchors.some((anchor) => signedBy(anchor) && cert.checkIssued(anchor))) return { trusted: true };
    if (isSelfSigned(cert))
      return { trusted: false, why: cert === chain[0] ? "self_signed" : "untrusted_root", at: cert };
    const next = chain.find((candidate) => !visited.has(candidate) && signedBy(candidate));
    if (!next) return { trusted: false, why: "unknown_issuer", at: cert };
    if (!next.ca) return { trusted: false, why: "issuer_not_ca", at: cert, signer: next };
    current = next;
  }
  return { trusted: false, why: "unknown_issuer", at: chain[chain.length - 1] ?? (chain[0] as X509Certificate) };
}

/** Cloudflare Origin CA roots: their names and Subject Key Identifiers, from the roots Cloudflare publishes
 * (`origin_ca_rsa_root.pem`, `origin_ca_ecc_root.pem`). */
const ORIGIN_CA_ROOTS: ReadonlyArray<{ readonly commonName: string; readonly keyIdentifier: string }> = [
  {
    commonName: "CloudFlare Origin SSL Certificate Authority",
    keyIdentifier: "24E853575D7C344087A9EB94DBBAE11678FC29A4",
  },
  {
    commonName: "CloudFlare Origin SSL ECC Certificate Authority",
    keyIdentifier: "85305D3B2A70D4EDD5926707FDEB39B41A0E38A7",
  },
];

function commonNameOf(name: string): string | null {
  return /(?:^|\n)CN=([^\n]*)/.exec(name)?.[1] ?? null;
}

/** The issuer's common name, from the fields OpenSSL already gave: is an Origin CA root possible at all? */
function mayBeOriginCa(leaf: PeerCertificate): boolean {
  const cn = leaf.issuer?.CN;
  const names = Array.isArray(cn) ? cn : cn === undefined ? [] : [cn];
  return names.some((name) => ORIGIN_CA_ROOTS.some((root) => root.commonName === name));
}

/** The leaf's issuer when it is an Origin CA root by name and by Authority Key Identifier, both. */
function originCaIssuer(leaf: X509Certificate): { readonly issuer: string; readonly keyIdentifier: string } | null {
  const issuerName = commonNameOf(leaf.issuer);
  const keyIdentifier = authorityKeyIdentifier(leaf.raw);
  const root = ORIGIN_CA_ROOTS.find(
    (candidate) => candidate.commonName === issuerName && candidate.keyIdentifier === keyIdentifier,
  );
  return root === undefined || keyIdentifier === null ? null : { issuer: root.commonName, keyIdentifier };
}

/** AIA caIssuers (RFC 5280 §4.2.2.1): where a certificate's issuer is published. */
function caIssuersUrl(cert: X509Certificate): string | null {
  return /CA Issuers - URI:(\S+)/.exec(cert.infoAccess ?? "")?.[1] ?? null;
}

function hostnameMismatchWhy(
  hostname: string,
  subjectAltNames: readonly string[],
  commonName: string | null,
): { why: MismatchWhy; wildcards: string[] } {
  const dnsNames = subjectAltNames.filter((name) => name.startsWith("DNS:")).map((name) => name.slice(4));
  const ipNames = subjectAltNames.filter((name) => name.startsWith("IP Address:"));
  const host = hostname.toLowerCase().replace(/\.$/, "");
  const wildcards = dnsNames.filter((name) => {
    if (!name.startsWith("*.")) return false;
    const base = name.slice(2).toLowerCase();
    return host === base || host.endsWith(`.${base}`);
  });
  if (wildcards.length > 0) return { why: "wildcard_not_covering", wildcards };
  if (dnsNames.length === 0 && ipNames.length > 0) return { why: "ip_san_only", wildcards: [] };
  if (dnsNames.length === 0 && commonName === null) return { why: "no_names", wildcards: [] };
  return { why: "other_names", wildcards: [] };
}

/** OpenSSL verify codes that are about dates only: the validity problems already cover them. */
const TIME_ONLY_ERRORS: ReadonlySet<string> = new Set(["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID"]);

/** Inspects the certificate a TLS socket received; never throws (an unparsable certificate is a problem). */
export function inspectPeerCertificate(
  socket: TLSSocket,
  hostname: string,
  extraCaPem: readonly string[],
  now: Date,
  warnDays?: number,
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
      ...(warnDays === undefined ? {} : { warnDays }),
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

  // Parsed on demand (~0.5 ms a certificate, on every sample of a series): a chain that OpenSSL
  // verified, from an issuer that is not an Origin CA root, with no self-issued certificate in
  // it, needs none of it.
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
    // Equal names are necessary for a self-issued certificate, and cheap to compare first.
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
  const warnDays = input.warnDays ?? DEFAULTS.certWarnDays;
  const expiring = chain.flatMap((cert, index) => {
    const left = Date.parse(cert.validTo) - now;
    return left >= 0 && left < warnDays * 86_400_000
      ? [{ index, subject: cert.subject, date: cert.validTo, daysLeft: Math.floor(left / 86_400_000) }]
      : [];
  });
  if (expiring.length > 0) problems.push({ kind: "expiring", certificates: expiring, warnDays });

  // RFC 6125 matching, exactly as node:tls would do it for a client that checks.
  const hostnameMatches = checkServerIdentity(input.hostname, leaf) === undefined;
  const leafFacts = chain[0] as CertificateFacts;
  if (!hostnameMatches) {
    const commonName = typeof leaf.subject?.CN === "string" ? leaf.subject.CN : null;
    problems.push({
      kind: "hostname_mismatch",
      hostname: input.hostname,
      commonName,
      subjectAltNames: leafFacts.subjectAltNames,
      subject: leafFacts.subject,
      ...hostnameMismatchWhy(input.hostname, leafFacts.subjectAltNames, commonName),
    });
  }

  const originCa = mayBeOriginCa(leaf) ? originCaIssuer(parsedAt(0)) : null;
  let trusted: boolean | null = input.opensslAuthorized;
  if (trusted) {
    // Verified against the Origin CA root the user gave: trusted, by the edge only.
    if (originCa !== null) problems.push({ kind: "origin_ca", verified: true, ...originCa });
  } else {
    const anchors = trustAnchors(input.extraCaPem);
    const verdict = walkToTrustAnchor(
      input.chain.map((_, i) => parsedAt(i)),
      anchors,
    );
    const oneLine = (name: string) => name.replaceAll("\n", ", ");
    if (!verdict.trusted) {
      const { at } = verdict;
      const missingIssuerUrl = verdict.why === "unknown_issuer" ? caIssuersUrl(at) : null;
      if (verdict.why === "unknown_issuer" && originCa !== null && at === parsedAt(0)) {
        // Without Cloudflare's root diag520 can recognise an Origin CA certificate, not verify it.
        const rootGiven = anchors.some((anchor) => commonNameOf(anchor.subject) === originCa.issuer);
        if (rootGiven) {
          problems.push({
            kind: "untrusted",
            why: "origin_ca_not_verified",
            subject: oneLine(at.subject),
            issuer: oneLine(at.issuer),
          });
        } else {
          problems.push({ kind: "origin_ca", verified: false, ...originCa });
          trusted = null;
        }
      } else if (missingIssuerUrl !== null) {
        problems.push({
          kind: "chain_incomplete",
          subject: oneLine(at.subject),
          missingIssuer: oneLine(at.issuer),
          caIssuersUrl: missingIssuerUrl,
          certificatesSent: input.chain.length,
        });
      } else {
        const issuer = verdict.signer === undefined ? oneLine(at.issuer) : oneLine(verdict.signer.subject);
        problems.push({ kind: "untrusted", why: verdict.why, subject: oneLine(at.subject), issuer });
      }
    } else if (verifyError !== null && !TIME_ONLY_ERRORS.has(verifyError)) {
      problems.push({ kind: "verify_error", verifyError });
    } else {
      trusted = true;
    }
  }
  return { ...base, chain, trusted, hostnameMatches, problems };
}
