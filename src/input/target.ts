/**
 * The target as people type it: a hostname ("example.com"), or a URL pasted from the browser's
 * address bar ("https://example.com:8443/login?x=1", whose scheme, port and path then apply; the
 * edge connects to the origin on the port the visitor used). A bare word without a dot is not a
 * hostname anyone proxies through a CDN: it is most likely a mistyped command.
 */
import { UsageError } from "../errors.js";
import { ipFamily } from "../net/ip-literal.js";
import { type ParsedHostname, parseHostname } from "./hostname.js";

export interface ParsedTarget {
  readonly hostname: ParsedHostname;
  /** From a URL: what it says, when it says it. */
  readonly scheme: "http" | "https" | null;
  readonly port: number | null;
  readonly path: string | null;
}

export function parseTarget(input: string, commands: readonly string[]): ParsedTarget {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) return parseUrlTarget(input);
  const bare = !input.includes(".") && !input.includes(":") && ipFamily(input) === null;
  if (bare && input.toLowerCase() !== "localhost") {
    const near = closest(input.toLowerCase(), commands);
    throw new UsageError(
      near === null
        ? `'${input}' is neither a command nor a hostname behind a CDN; give the site's full name, as in example.com`
        : `unknown command '${input}' (did you mean ${near}?)`,
    );
  }
  return { hostname: parseHostname(input), scheme: null, port: null, path: null };
}

function parseUrlTarget(input: string): ParsedTarget {
  const fail = (why: string): never => {
    throw new UsageError(`invalid target URL '${input}': ${why}`);
  };
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return fail("it does not parse as a URL");
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (scheme !== "http" && scheme !== "https") return fail("use an http:// or https:// URL");
  if (url.username !== "" || url.password !== "") fail("leave out the user name and password");
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  // The URL parser has already turned an internationalised name into punycode; show it in Unicode.
  const hostname = parseHostname(host);
  // The raw path and query as typed (a fragment stays in the browser and is never sent).
  const afterHost = input.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "").replace(/#.*$/, "");
  const path = afterHost === "" ? "/" : afterHost.startsWith("?") ? `/${afterHost}` : afterHost;
  return { hostname, scheme, port: url.port === "" ? null : Number(url.port), path };
}

/** The command one or two edits away from `word`, if there is exactly such one. */
function closest(word: string, commands: readonly string[]): string | null {
  const near = commands.filter((command) => editDistance(word, command) <= 2);
  return near.length === 1 ? (near[0] ?? null) : null;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
