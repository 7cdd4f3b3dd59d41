/**
 * The CDN's settings that change how the edge talks to the origin, from the command line:
 * `--ssl-mode` (which implies the scheme; `--scheme` stays as the lower-level switch, and the two
 * may not contradict each other), `--no-h2`, `--cert-warn-days`. Each failure is a UsageError.
 */
import { UsageError } from "../errors.js";
import type { Scheme, SslMode } from "../options.js";
import { SCHEME_OF_MODE, SSL_MODES } from "../ssl-mode.js";

export function parseSslMode(input: string): SslMode {
  const mode = (SSL_MODES as readonly string[]).find((candidate) => candidate === input);
  if (mode === undefined) throw new UsageError(`invalid --ssl-mode '${input}': use off, flexible, full or strict`);
  return mode as SslMode;
}

/**
 * The scheme and the mode together: the scheme as the user gave it (a URL's or --scheme, already
 * agreed between them; `schemeSource` names where it came from), and --ssl-mode; absent both,
 * https in Full (strict).
 */
export function parseModeAndScheme(
  modeInput: string | undefined,
  scheme: Scheme | null,
  schemeSource: string,
): { readonly sslMode: SslMode; readonly scheme: Scheme } {
  if (modeInput === undefined) return { sslMode: scheme === "http" ? "flexible" : "strict", scheme: scheme ?? "https" };
  const sslMode = parseSslMode(modeInput);
  const implied = SCHEME_OF_MODE[sslMode];
  if (scheme !== null && scheme !== implied) {
    const matching = SSL_MODES.filter((mode) => SCHEME_OF_MODE[mode] === scheme).join(" or ");
    throw new UsageError(
      `--ssl-mode ${sslMode} talks ${implied} to the origin, but ${schemeSource} says ${scheme}: drop it, or use --ssl-mode ${matching}`,
    );
  }
  return { sslMode, scheme: implied };
}

/** Whole days, 0 (never warn) to 3650. */
export function parseCertWarnDays(input: string): number {
  if (!/^[0-9]+$/.test(input) || Number(input) > 3650) {
    throw new UsageError(`invalid --cert-warn-days '${input}': give a whole number of days from 0 to 3650`);
  }
  return Number(input);
}
