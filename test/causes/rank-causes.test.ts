import assert from "node:assert/strict";
import { test } from "node:test";
import { CAUSES, CAUSES_BY_FINDING, type CauseSupport } from "../../src/causes/cause-table.js";
import { rankCauses } from "../../src/causes/rank-causes.js";
import {
  FINDING_CATALOGUE,
  FINDING_CODES,
  type Finding,
  type FindingCode,
  finding,
  type Severity,
} from "../../src/findings/catalogue.js";

/** Ranking reads only code and severity; where and evidence play no part, so none is given. */
const f = (code: FindingCode, severity: Severity = "error"): Finding =>
  finding(code, severity, { leg: "origin", phase: "http" }, "detail", {} as never);

const ROWS: ReadonlyArray<{
  readonly name: string;
  readonly findings: readonly Finding[];
  readonly ranked: readonly string[];
}> = [
  { name: "no findings, no causes", findings: [], ranked: [] },
  {
    name: "info findings support nothing",
    findings: [f("dns.proxied", "info"), f("origin.from_hostname", "info"), f("http.body_read_capped", "info")],
    ranked: [],
  },
  {
    name: "refused: origin down first, then firewall",
    findings: [f("tcp.refused")],
    ranked: ["origin_down", "firewall_blocking"],
  },
  {
    name: "timeout: firewall first",
    findings: [f("tcp.timeout")],
    ranked: ["firewall_blocking", "origin_down", "intermittent_routing"],
  },
  {
    name: "empty reply",
    findings: [f("http.empty_reply")],
    ranked: ["origin_down", "firewall_blocking", "proxy_in_path"],
  },
  { name: "expired certificate", findings: [f("tls.cert_expired")], ranked: ["tls_misconfigured"] },
  {
    name: "an error outranks a warning whatever the likelihood",
    findings: [f("http.origin_error", "warning"), f("tls.cert_untrusted")],
    ranked: ["tls_misconfigured", "origin_down"],
  },
  {
    name: "header anomalies before the proxy in the path",
    findings: [f("http.invalid_header"), f("http.headers_too_large")],
    ranked: ["header_anomalies", "proxy_in_path"],
  },
  {
    name: "DNS: an origin that does not resolve, or that is the CDN",
    findings: [f("origin.unresolvable"), f("origin.is_cdn_address", "warning")],
    ranked: ["dns_misconfigured"],
  },
  {
    name: "equally likely: an error's cause, then the most specific, then the one more findings point to",
    findings: [f("tcp.unreachable"), f("http.connection_reset")],
    ranked: ["firewall_blocking", "intermittent_routing", "origin_down", "proxy_in_path"],
  },
];

for (const row of ROWS) {
  test(`rankCauses: ${row.name}`, () => {
    const ranked = rankCauses(row.findings);
    assert.deepEqual(
      ranked.map((c) => c.id),
      row.ranked,
    );
    ranked.forEach((cause, index) => {
      assert.equal(cause.rank, index + 1);
      assert.equal(cause.title, CAUSES[cause.id as keyof typeof CAUSES].title);
      assert.ok(cause.fixes.length > 0);
      // Each cause names the findings behind it, and only findings that point to it.
      for (const code of cause.supportedBy) {
        const support: CauseSupport = CAUSES_BY_FINDING[code as FindingCode];
        assert.ok(
          support.some(([id]) => id === cause.id),
          code,
        );
      }
    });
    // Best first means in order of the likelihood shown: never a medium before a high.
    const weights = ranked.map((cause) => ({ high: 3, medium: 2, low: 1 })[cause.likelihood]);
    assert.deepEqual(
      weights,
      [...weights].sort((a, b) => b - a),
      JSON.stringify(ranked.map((c) => c.likelihood)),
    );
  });
}

test("a finding's own likelihood, not the seeds' prior: a handshake failure makes TLS the likely cause", () => {
  const ranked = rankCauses([f("tls.handshake_failed")]);
  assert.deepEqual(
    ranked.map((cause) => [cause.id, cause.likelihood]),
    [
      ["tls_misconfigured", "high"],
      ["firewall_blocking", "low"],
    ],
  );
});

test("a cause backed only by warnings is one level less likely than the finding says", () => {
  const [cause] = rankCauses([f("http.origin_error", "warning")]);
  assert.deepEqual([cause?.id, cause?.likelihood], ["origin_down", "medium"]);
});

test("a high cause backed by a warning never comes after a medium one backed by an error", () => {
  const ranked = rankCauses([f("tls.legacy_protocol"), f("http.origin_error", "warning")]);
  assert.deepEqual(
    ranked.map((cause) => cause.likelihood),
    ["medium", "medium"],
  );
});

test("a cause supported by several findings lists each once", () => {
  const [first] = rankCauses([f("http.empty_reply"), f("http.empty_reply"), f("tcp.refused")]);
  assert.equal(first?.id, "origin_down");
  assert.deepEqual(first?.supportedBy, ["http.empty_reply", "tcp.refused"]);
});

test("every finding that can predict an edge status points to at least one cause", () => {
  for (const code of FINDING_CODES) {
    if (FINDING_CATALOGUE[code].edgeStatus !== null) assert.ok(CAUSES_BY_FINDING[code].length > 0, code);
  }
});

test("the seeds' likelihoods are kept", () => {
  assert.equal(CAUSES.origin_down.likelihood, "high");
  assert.equal(CAUSES.firewall_blocking.likelihood, "high");
  assert.equal(CAUSES.tls_misconfigured.likelihood, "medium");
  assert.equal(CAUSES.header_anomalies.likelihood, "medium");
  assert.equal(CAUSES.dns_misconfigured.likelihood, "medium");
  assert.equal(CAUSES.caching_rules.likelihood, "low");
  assert.equal(CAUSES.proxy_in_path.likelihood, "low");
  assert.equal(CAUSES.intermittent_routing.likelihood, "low");
});
