/**
 * What a diagnosis from this machine cannot see, said plainly with what would tell
 * (DESIGN.md: "says what it could not check from where it stands").
 */
import { shellJoin } from "../artifacts/shell-quote.js";
import type { DiagnoseRequest } from "../options.js";
import type { NotChecked } from "../report/schema.js";

const CDN_RANGES_URL = "https://www.cloudflare.com/ips";

/** `address` is the origin address diagnosed, when the DNS phase found one. */
export function notCheckedFromHere(request: DiagnoseRequest, address: string | null, edgeAsked = false): NotChecked[] {
  const items: NotChecked[] = [
    // With the edge leg, the edge itself was asked: a rule on the CDN's ranges shows in the comparison.
    ...(edgeAsked ? [] : [firewallItem()]),
  ];
  items.push(
    {
      what: "Failures that come and go (overload, restarts, routing)",
      why: "one run is one request from one place",
      howToTell:
        "Repeat the run while the CDN reports errors, and watch the origin's load and error log at the same moments",
    },
    {
      what: "The CDN's own settings: SSL mode, Authenticated Origin Pulls, cache and transform rules",
      why: "they live in the CDN's dashboard and change what the edge sends and expects, not what the origin answers",
      howToTell:
        "Check the SSL/TLS mode (Flexible talks HTTP to port 80; Full and Full (strict) TLS to 443), whether Authenticated Origin Pulls is on (the origin then demands a client certificate the CDN presents), and rules that match the failing path",
    },
  );
  if (request.scheme === "https" && request.http2ToOrigin === false) {
    items.push({
      what: "HTTP/2 to the origin",
      why: "with --no-h2 (HTTP/2 to Origin turned off at the CDN) diag520 offers only http/1.1, as the edge then does; with it on, the edge offers h2 first, and an origin that selects h2 but speaks it badly gets a 520",
      howToTell: `Run again without --no-h2, or: ${http2Command(request, address)} and see whether h2 is chosen and the response arrives`,
    });
  }
  return items;
}

function firewallItem(): NotChecked {
  return {
    what: "A firewall, WAF or rate limit that treats only the CDN's addresses differently",
    why: "diag520 connects from this machine's address, not from the CDN's ranges, and the edge was not asked: a rule that drops, resets or throttles only those looks healthy from here",
    howToTell: `Let diag520 ask the edge too (the edge leg), or search the origin's firewall, WAF, fail2ban and rate-limit logs for the CDN's ranges (${CDN_RANGES_URL}) at the time of the 52x errors, and match them against the Ray IDs the CDN shows`,
  };
}

/** Shell-quoted, like the reproduction command: a path such as /s?a=1&b=2 must paste safely. */
function http2Command(request: DiagnoseRequest, address: string | null): string {
  const ip = address === null ? "<origin-ip>" : address.includes(":") ? `[${address}]` : address;
  const authority = `${request.hostname}:${request.port}`;
  const words = ["curl", "-sv", "--http2", "-o", "/dev/null", "--resolve", `${authority}:${ip}`];
  return shellJoin([...words, `https://${authority}${request.path}`]);
}
