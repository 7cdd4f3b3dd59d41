/**
 * Checks a hostname the way a resolver and a TLS client would need it (RFC 1123 §2.1 labels,
 * RFC 1035 §2.3.4 lengths), and converts an internationalised name to its punycode form for DNS,
 * SNI and the Host header (RFC 5891) while keeping the Unicode form for display.
 */

import { domainToASCII, domainToUnicode } from "node:url";
import { UsageError } from "../errors.js";
import { ipFamily } from "../net/ip-literal.js";

export interface ParsedHostname {
  readonly ascii: string;
  readonly display: string;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function parseHostname(input: string, argument = "hostname"): ParsedHostname {
  const fail = (why: string): never => {
    throw new UsageError(`invalid ${argument} '${input}': ${why}`);
  };
  if (input.length === 0) fail("it is empty; give a name such as example.com");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\s\u0000-\u001f\u007f]/.test(input)) fail("it contains whitespace or control characters");
  if (input.includes("://") || input.includes("/"))
    fail("give the bare hostname (example.com), not a URL; use --path for the path");
  if (ipFamily(input) !== null) return { ascii: input, display: input };
  if (input.startsWith("[") || input.includes(":")) {
    fail("not a hostname; an IPv6 address goes without brackets, and the port goes in --port");
  }
  const withoutDot = input.endsWith(".") ? input.slice(0, -1) : input;
  const lastLabel = withoutDot.split(".").at(-1) ?? "";
  if (/^[0-9]+$/.test(lastLabel))
    fail("it looks like an IPv4 address but is not one (four numbers 0-255, as in 192.0.2.1)");
  // Checked before the IDNA mapping, which would quietly percent-decode "ex%61mple" into "example".
  const stray = /[^A-Za-z0-9._\-\u0080-\u{10FFFF}]/u.exec(withoutDot);
  if (stray) fail(`'${stray[0]}' is not allowed: hostnames use letters, digits, hyphens and dots`);
  const labels = withoutDot.split(".");
  const underscored = labels.find((l) => l.includes("_"));
  if (underscored !== undefined)
    fail(`label '${underscored}' has '_': hostnames use letters, digits and hyphens (RFC 1123)`);
  if (labels.some((l) => l.length === 0)) fail("it has an empty label (two dots in a row, or a leading dot)");
  const ascii = domainToASCII(withoutDot).toLowerCase();
  if (ascii === "") fail("it is not a valid internationalised domain name");
  if (ascii.length > 253) fail(`it is ${ascii.length} characters long; the limit is 253`);
  for (const label of ascii.split(".")) {
    if (label.length > 63) fail(`label '${label.slice(0, 20)}…' is ${label.length} characters long; the limit is 63`);
    if (!LABEL.test(label)) fail(`label '${label}' may hold only letters, digits and inner hyphens`);
  }
  return { ascii, display: domainToUnicode(ascii) || ascii };
}
