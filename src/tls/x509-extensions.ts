/**
 * The one X.509 extension diag520 reads that node:crypto does not expose: the Authority Key
 * Identifier (RFC 5280 §4.2.1.1), which names the key that signed a certificate. It identifies
 * a Cloudflare Origin CA certificate together with the issuer's name (the roots
 * Cloudflare publishes as `origin_ca_rsa_root.pem` and `origin_ca_ecc_root.pem`). A small DER
 * reader, total: anything it does not understand is null.
 */

/** id-ce-authorityKeyIdentifier (2.5.29.35) as DER: OBJECT IDENTIFIER, length 3, 55 1D 23. */
const AKI_OID = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x23]);

/** The keyIdentifier as upper-case hex without separators, or null. */
export function authorityKeyIdentifier(der: Buffer): string | null {
  const at = der.indexOf(AKI_OID);
  if (at < 0) return null;
  let offset = at + AKI_OID.length;
  // critical BOOLEAN DEFAULT FALSE, when written.
  if (der[offset] === 0x01) {
    const critical = readLength(der, offset + 1);
    if (critical === null) return null;
    offset = critical.start + critical.length;
  }
  if (der[offset] !== 0x04) return null; // extnValue OCTET STRING
  const value = readLength(der, offset + 1);
  if (value === null || der[value.start] !== 0x30) return null; // AuthorityKeyIdentifier SEQUENCE
  const sequence = readLength(der, value.start + 1);
  if (sequence === null || der[sequence.start] !== 0x80) return null; // keyIdentifier [0] IMPLICIT
  const keyId = readLength(der, sequence.start + 1);
  if (keyId === null || keyId.start + keyId.length > der.length) return null;
  return der
    .subarray(keyId.start, keyId.start + keyId.length)
    .toString("hex")
    .toUpperCase();
}

/** A DER length at `offset` (short or long form): where the content starts and how long it is. */
function readLength(der: Buffer, offset: number): { start: number; length: number } | null {
  const first = der[offset];
  if (first === undefined) return null;
  if (first < 0x80) return { start: offset + 1, length: first };
  const count = first & 0x7f;
  if (count === 0 || count > 4 || offset + 1 + count > der.length) return null;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + (der[offset + 1 + i] ?? 0);
  return { start: offset + 1 + count, length };
}
