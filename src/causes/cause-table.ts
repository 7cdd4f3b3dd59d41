/**
 * The seeds' likelihood-ranked causes of a 520, and their fixes, as data (DESIGN.md "Causes
 * and fixes"). High: origin down or overloaded; firewall or rate limiting blocking the CDN.
 * Medium: TLS termination; header anomalies (and DNS, which the seeds' step 2 checks).
 * Low: caching rules, a proxy in the origin path, intermittent routing.
 */
import type { FindingCode } from "../findings/catalogue.js";

export type Likelihood = "high" | "medium" | "low";
export type Effort = "easy" | "medium";

export interface Fix {
  readonly action: string;
  readonly effort: Effort;
}

export interface Cause {
  readonly title: string;
  /** The seeds' prior: how often this cause is behind a 520 in general. */
  readonly likelihood: Likelihood;
  readonly fixes: readonly Fix[];
}

export type CauseId =
  | "origin_down"
  | "firewall_blocking"
  | "tls_misconfigured"
  | "header_anomalies"
  | "dns_misconfigured"
  | "caching_rules"
  | "proxy_in_path"
  | "intermittent_routing"
  | "client_certificates"
  | "wrong_service"
  | "one_member_failing"
  | "http2_misconfigured"
  | "edge_ssl_mode"
  | "edge_request_shaped";

export const CAUSES = {
  origin_down: {
    title: "The origin server is down, overloaded or crashing",
    likelihood: "high",
    fixes: [
      {
        action: "Check that the web server is running and listening on the port (systemctl status <service>; ss -ltnp)",
        effort: "easy",
      },
      {
        action:
          "Read the web server's and application's error logs at the time of the failure (crashes, worker exhaustion, OOM kills)",
        effort: "easy",
      },
      {
        action:
          "Check CPU, memory, disk I/O and connection limits (worker_connections, MaxRequestWorkers, process manager pool size); restart or scale the service",
        effort: "easy",
      },
    ],
  },
  firewall_blocking: {
    title: "A firewall, WAF or rate limit is blocking or resetting the CDN's connections",
    likelihood: "high",
    fixes: [
      {
        action:
          "Allow the CDN's published ranges (https://www.cloudflare.com/ips) on ports 80 and 443 in the host firewall, the cloud security group and any WAF",
        effort: "easy",
      },
      {
        action:
          "Review firewall, WAF, fail2ban and rate-limit logs for the CDN's addresses; exempt them from per-IP limits (all visitors arrive from few CDN addresses)",
        effort: "easy",
      },
    ],
  },
  tls_misconfigured: {
    title: "TLS on the origin is misconfigured (certificate, protocol or ciphers)",
    likelihood: "medium",
    fixes: [
      {
        action:
          "Install a certificate that names the hostname and is issued by a public CA or the CDN's Origin CA, with its full chain",
        effort: "medium",
      },
      {
        action:
          "Match the CDN's SSL mode to the origin: Full (strict) needs a valid certificate; Flexible talks plain HTTP to port 80",
        effort: "easy",
      },
      {
        action: "Enable TLS 1.2 or 1.3 with an ECDHE-AES-GCM cipher and make the server answer for the hostname (SNI)",
        effort: "medium",
      },
    ],
  },
  header_anomalies: {
    title: "The origin sends a response the CDN cannot parse (header size or syntax, framing)",
    likelihood: "medium",
    fixes: [
      {
        action: "Shrink the response headers: fewer or smaller cookies, shorter CSP and link headers",
        effort: "medium",
      },
      {
        action:
          "Fix the application or server so that every response has a valid status line, well-formed header fields and one consistent length (Content-Length or chunked)",
        effort: "medium",
      },
    ],
  },
  dns_misconfigured: {
    title: "DNS points the CDN at the wrong origin (or at nothing)",
    likelihood: "medium",
    fixes: [
      {
        action:
          "Check the A/AAAA/CNAME records in the CDN's DNS settings point at the origin's current address, and that an origin name resolves publicly",
        effort: "easy",
      },
      {
        action: "Make sure the origin address is the server itself, not one of the CDN's own addresses (a loop)",
        effort: "easy",
      },
    ],
  },
  caching_rules: {
    title: "Caching or transform rules at the CDN change the request or response",
    likelihood: "low",
    fixes: [
      { action: "Temporarily bypass cache and transform rules for the failing path and compare", effort: "easy" },
    ],
  },
  proxy_in_path: {
    title: "A proxy or load balancer between the CDN and the application rewrites or breaks responses",
    likelihood: "low",
    fixes: [
      {
        action:
          "Test the application directly, then through each proxy in turn (load balancer, ingress, sidecar) to find the layer that changes the response",
        effort: "medium",
      },
    ],
  },
  intermittent_routing: {
    title: "Routing between the CDN and the origin is broken or intermittent",
    likelihood: "low",
    fixes: [
      {
        action:
          "Check the origin's routing table for routes that swallow the CDN's ranges (e.g. a 172.0.0.0/8 route covering 172.64.0.0/13)",
        effort: "medium",
      },
      { action: "Ask the hosting provider about packet loss or null routes towards the origin", effort: "easy" },
    ],
  },
  client_certificates: {
    title: "Authenticated Origin Pulls is set up on one side only (the origin demands a client certificate)",
    likelihood: "medium",
    fixes: [
      {
        action:
          "If the origin should accept only the CDN: turn Authenticated Origin Pulls on at the CDN (SSL/TLS › Origin Server), so that the edge presents its client certificate",
        effort: "easy",
      },
      {
        action:
          "If not: stop requiring client certificates on the origin (nginx ssl_verify_client, Apache SSLVerifyClient require)",
        effort: "easy",
      },
    ],
  },
  wrong_service: {
    title: "Something other than the web server answers on the origin's port",
    likelihood: "medium",
    fixes: [
      {
        action:
          "Check which program listens on the port (ss -ltnp) and that the CDN's DNS record and SSL mode send traffic to the web server's port (443 for Full and Full (strict), 80 for Flexible)",
        effort: "easy",
      },
      {
        action: "Make the web server speak what the SSL mode expects there: TLS on 443, plain HTTP/1.1 on 80",
        effort: "medium",
      },
    ],
  },
  one_member_failing: {
    title:
      "One of several servers behind the origin (a DNS round robin, a load balancer's pool, a worker process) fails while the others answer",
    likelihood: "medium",
    fixes: [
      {
        action:
          "Find the failing member: run diag520 --repeat against the origin's name (each address is counted apart), or read the load balancer's per-backend error counters",
        effort: "easy",
      },
      {
        action:
          "Take the failing member out of rotation, then compare its deployment, configuration and certificate with a healthy one",
        effort: "medium",
      },
      {
        action: "Turn on active health checks in the load balancer, so that a failing member leaves the pool by itself",
        effort: "medium",
      },
    ],
  },
  http2_misconfigured: {
    title: "HTTP/2 on the origin is broken or misconfigured (the CDN speaks HTTP/2 to origins that offer it)",
    likelihood: "medium",
    fixes: [
      {
        action:
          "Stopgap: turn off HTTP/2 to Origin in the CDN's Speed settings (Speed > Settings > Protocol Optimization): the edge then speaks HTTP/1.1 to the origin",
        effort: "easy",
      },
      {
        action:
          "nginx: enable HTTP/2 with `http2 on;` (1.25.1+; `listen 443 ssl http2;` before) and do not pass connection-specific headers (Connection, Keep-Alive, Transfer-Encoding, Upgrade) from the application: `proxy_hide_header Upgrade;`; or leave http2 off if the server behind cannot keep to HTTP/2",
        effort: "medium",
      },
      {
        action:
          "Apache: `Protocols h2 http/1.1` with mod_http2 (prefork MPM cannot serve h2), and no `Header set Connection`/`Upgrade` rules; HAProxy: `alpn h2,http/1.1` on the bind line only with `mode http`; an application server that speaks HTTP/2 itself must send lower-case field names and no connection-specific fields (RFC 9113 §8.2)",
        effort: "medium",
      },
      {
        action:
          "Raise a low SETTINGS_MAX_CONCURRENT_STREAMS (nginx `http2_max_concurrent_streams`, Apache `H2MaxSessionStreams`) and check the server's HTTP/2 with `h2spec -t -k -h <origin> -p 443`",
        effort: "medium",
      },
    ],
  },
  edge_ssl_mode: {
    title: "The zone's SSL mode does not match the origin (Flexible, Full, Full (strict))",
    likelihood: "medium",
    fixes: [
      {
        action:
          "Check SSL/TLS › Overview: Flexible connects to port 80 in plain HTTP, Full and Full (strict) to 443 in TLS; Full (strict) needs a valid certificate for the hostname",
        effort: "easy",
      },
    ],
  },
  edge_request_shaped: {
    title: "The edge's request differs from a direct one (its added headers, a larger head, rules that rewrite it)",
    likelihood: "low",
    fixes: [
      {
        action:
          "Compare the origin's access log for the edge's request (its CF-Ray) with diag520's; look for rules on X-Forwarded-Proto, CF-Connecting-IP or CDN-Loop, Transform and Origin Rules",
        effort: "medium",
      },
    ],
  },
} as const satisfies Record<CauseId, Cause>;

/**
 * Which causes each finding points to, and how likely each is given that finding (a handshake
 * failure makes a TLS misconfiguration likely, whatever its general prior), most specific first.
 * Typed over every finding code, so a new code without a row here fails to compile.
 */
export type CauseSupport = readonly (readonly [CauseId, Likelihood])[];

export const CAUSES_BY_FINDING = {
  "dns.unresolvable": [["dns_misconfigured", "high"]],
  "dns.not_proxied": [],
  "dns.proxied": [],
  "origin.unresolvable": [["dns_misconfigured", "high"]],
  "origin.is_cdn_address": [["dns_misconfigured", "high"]],
  "origin.from_hostname": [],
  "tcp.refused": [
    ["origin_down", "high"],
    ["firewall_blocking", "high"],
  ],
  "tcp.timeout": [
    ["firewall_blocking", "high"],
    ["origin_down", "medium"],
    ["intermittent_routing", "low"],
  ],
  "tcp.unreachable": [
    ["intermittent_routing", "high"],
    ["firewall_blocking", "low"],
  ],
  "tls.handshake_failed": [
    ["tls_misconfigured", "high"],
    ["firewall_blocking", "low"],
  ],
  "tls.not_tls": [
    ["tls_misconfigured", "high"],
    ["wrong_service", "medium"],
  ],
  "tls.legacy_protocol": [["tls_misconfigured", "medium"]],
  "tls.client_certificate_required": [["client_certificates", "high"]],
  "tls.cert_expired": [["tls_misconfigured", "high"]],
  "tls.cert_not_yet_valid": [["tls_misconfigured", "high"]],
  "tls.cert_hostname_mismatch": [["tls_misconfigured", "high"]],
  "tls.cert_untrusted": [["tls_misconfigured", "high"]],
  "tls.chain_incomplete": [["tls_misconfigured", "high"]],
  "tls.cert_expiring": [["tls_misconfigured", "medium"]],
  "tls.cert_origin_ca": [["tls_misconfigured", "medium"]],
  "http.empty_reply": [
    ["origin_down", "high"],
    ["firewall_blocking", "high"],
    ["proxy_in_path", "low"],
  ],
  "http.connection_reset": [
    ["firewall_blocking", "high"],
    ["origin_down", "high"],
    ["proxy_in_path", "low"],
  ],
  "http.headers_too_large": [["header_anomalies", "high"]],
  "http.too_many_headers": [["header_anomalies", "high"]],
  "http.missing_headers": [
    ["header_anomalies", "high"],
    ["proxy_in_path", "medium"],
  ],
  "http.not_http": [
    ["wrong_service", "high"],
    ["tls_misconfigured", "medium"],
  ],
  "http.incomplete_head": [
    ["origin_down", "high"],
    ["proxy_in_path", "low"],
  ],
  "http.invalid_status_line": [
    ["header_anomalies", "high"],
    ["proxy_in_path", "medium"],
  ],
  "http.status_out_of_range": [["header_anomalies", "medium"]],
  "http.invalid_header": [
    ["header_anomalies", "high"],
    ["proxy_in_path", "medium"],
  ],
  "http.conflicting_framing": [
    ["header_anomalies", "high"],
    ["proxy_in_path", "medium"],
  ],
  "http.truncated_body": [
    ["origin_down", "high"],
    ["proxy_in_path", "low"],
  ],
  "http.response_timeout": [["origin_down", "high"]],
  "http.body_timeout": [["origin_down", "medium"]],
  "http.body_read_capped": [],
  "http.origin_error": [["origin_down", "high"]],
  "http2.malformed_response": [
    ["http2_misconfigured", "high"],
    ["proxy_in_path", "medium"],
  ],
  "http2.stream_reset": [
    ["http2_misconfigured", "high"],
    ["origin_down", "medium"],
  ],
  "http2.goaway": [
    ["http2_misconfigured", "high"],
    ["origin_down", "medium"],
  ],
  "http2.connection_error": [
    ["http2_misconfigured", "high"],
    ["origin_down", "medium"],
  ],
  "http2.bad_settings": [["http2_misconfigured", "high"]],
  "http2.not_http2": [
    ["http2_misconfigured", "high"],
    ["proxy_in_path", "medium"],
  ],
  "http2.http11_required": [["http2_misconfigured", "high"]],
  "http2.refused_stream": [
    ["origin_down", "high"],
    ["http2_misconfigured", "medium"],
  ],
  "http2.goaway_before_response": [
    ["origin_down", "high"],
    ["http2_misconfigured", "medium"],
  ],
  "http2.response_timeout": [["origin_down", "high"]],
  "http2.few_concurrent_streams": [["http2_misconfigured", "low"]],
  "edge.answered": [],
  "edge.error": [
    ["origin_down", "high"],
    ["firewall_blocking", "high"],
    ["tls_misconfigured", "medium"],
    ["header_anomalies", "medium"],
  ],
  "edge.origin_error_passed": [["origin_down", "high"]],
  "edge.error_1xxx": [["dns_misconfigured", "high"]],
  "edge.challenged": [],
  "edge.not_cloudflare": [["dns_misconfigured", "medium"]],
  "edge.cached": [["caching_rules", "low"]],
  "edge.unreachable": [],
  "edge.confirmed": [],
  // Only the edge meets it: what differs between the edge's connection and diag520's (issue 9's order).
  "edge.only_at_edge": [
    ["firewall_blocking", "high"],
    ["http2_misconfigured", "medium"],
    ["edge_ssl_mode", "medium"],
    ["client_certificates", "medium"],
    ["edge_request_shaped", "low"],
  ],
  "edge.tolerated": [],
  "edge.other_origin": [
    ["dns_misconfigured", "high"],
    ["one_member_failing", "medium"],
  ],
  "edge.alone": [],
  "http.strict_client": [],
  // A pattern across samples: the causes that fail in that shape, and how likely given it.
  "series.intermittent": [
    ["origin_down", "high"],
    ["firewall_blocking", "high"],
    ["one_member_failing", "medium"],
    ["intermittent_routing", "low"],
  ],
  "series.bursty": [
    ["firewall_blocking", "high"],
    ["origin_down", "medium"],
    ["intermittent_routing", "low"],
  ],
  "series.periodic": [
    ["one_member_failing", "high"],
    ["origin_down", "low"],
  ],
  "series.degrading": [["origin_down", "high"]],
  "series.slow_before_failing": [["origin_down", "high"]],
  "series.address_fails": [
    ["one_member_failing", "high"],
    ["dns_misconfigured", "medium"],
  ],
} as const satisfies Record<FindingCode, CauseSupport>;
