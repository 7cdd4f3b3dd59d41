/**
 * The curl command that makes the same request the same way as diag520's origin leg
 * (FACTS.md, "curl"): it connects to the same address while keeping the real hostname.
 * For https that takes `--resolve host:port:ip`, which keeps the SNI and the Host header on the
 * hostname (`-H Host:` alone would leave the SNI on the IP); for http the Host-header form of
 * Cloudflare's own 520 article (the seed `001_…txt`) is enough.
 */
import { isIP } from "node:net";
import { hostHeaderValue } from "../http/request.js";
import type { DiagnoseRequest } from "../options.js";
import { shellJoin } from "./shell-quote.js";

/** An IPv6 literal in brackets, as URLs and curl's `--resolve` want it (RFC 3986 §3.2.2). */
function bracketed(address: string): string {
  return isIP(address) === 6 ? `[${address}]` : address;
}

/** The URL of the request as the hostname names it, e.g. `https://example.com:443/login`. */
export function requestUrl(request: DiagnoseRequest, host: string = request.hostname): string {
  return `${request.scheme}://${bracketed(host)}:${request.port}${request.path}`;
}

/**
 * `address` is the IP diagnosed (null when no address was found: curl then resolves the
 * hostname itself). Returns one shell-quoted command line.
 */
export function reproduceCommand(request: DiagnoseRequest, address: string | null): string {
  // -v shows both heads, -sS keeps errors but drops the progress meter, -o /dev/null keeps
  // a binary or huge body off the terminal; --globoff stops curl reading [] and {} in the
  // path (or an IPv6 URL) as a glob, --path-as-is stops it squashing /../ the way we did not;
  // --noproxy: diag520 connects directly, and a proxy from the environment would ignore --resolve.
  const words = ["curl", "-v", "-sS", "-o", "/dev/null", "--noproxy", "*", "--globoff", "--path-as-is"];
  let url = requestUrl(request);
  if (address !== null && address !== request.hostname) {
    if (request.scheme === "http") {
      words.push("-H", `Host: ${hostHeaderValue(request)}`);
      url = requestUrl(request, address);
    } else if (isIP(request.hostname) === 0) {
      words.push("--resolve", `${request.hostname}:${request.port}:${bracketed(address)}`);
    } else {
      // --resolve cannot override an IP-literal hostname; --connect-to can (curl 7.49+).
      words.push(
        "--connect-to",
        `${bracketed(request.hostname)}:${request.port}:${bracketed(address)}:${request.port}`,
      );
    }
  }
  if (request.method === "HEAD") words.push("-I");
  else if (request.method !== "GET") words.push("-X", request.method);
  words.push("-A", request.userAgent);
  // `-H 'Name:'` would remove the field; curl's syntax for an empty value is `Name;`.
  for (const [name, value] of request.headers) words.push("-H", value === "" ? `${name};` : `${name}: ${value}`);
  words.push(url);
  return shellJoin(words);
}
