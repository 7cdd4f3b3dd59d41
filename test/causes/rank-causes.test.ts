import assert from "node:assert/strict";
import { test } from "node:test";
import { CAUSES, CAUSES_BY_FINDING } from "../../src/causes/cause-table.js";
import { rankCauses } from "../../src/causes/rank-causes.js";
import {
  FINDING_CATALOGUE,
  FINDING_CODES,
  type FindingCode,
  finding,
  type Severity,
} from "../../src/findings/catalogue.js";

const f = (code: FindingCode, severity: Severity = "error") => finding(code, severity, "detail");

const ROWS: ReadonlyArray<{
  readonly name: string;
  readonly findings: ReturnType<typeof f>[];
  readonly ranked: readonly string[];
}> = [
  { name: "no findings, no causes", findings: [], ranked: [] },
  {
    name: "info findings support nothing",
    findings: [f("dns.proxied", "info"), f("origin.from_hostname", "info")],
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
      assert.ok(cause.fixes.length > 0);
    });
  });
}

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
  assert.equal(CAUSES.caching_rules.likelihood, "low");
  assert.equal(CAUSES.proxy_in_path.likelihood, "low");
  assert.equal(CAUSES.intermittent_routing.likelihood, "low");
});
