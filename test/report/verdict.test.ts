import assert from "node:assert/strict";
import { test } from "node:test";
import { finding } from "../../src/findings/catalogue.js";
import { decideVerdict } from "../../src/report/verdict.js";

test("the first error in pipeline order decides, with the edge status it predicts", () => {
  const verdict = decideVerdict(
    [
      finding("dns.proxied", "info", "d"),
      finding("http.empty_reply", "error", "d"),
      finding("http.truncated_body", "error", "d"),
    ],
    [],
    null,
  );
  assert.deepEqual(verdict, {
    ok: false,
    edgeStatus: 520,
    summary: "the CDN would answer 520: the origin closed the connection without sending a response",
  });
});

test("certificate errors say they matter in Full (strict)", () => {
  const verdict = decideVerdict([finding("tls.cert_expired", "error", "d")], [], null);
  assert.equal(
    verdict.summary,
    "the CDN would answer 526 in SSL mode Full (strict): the origin certificate has expired",
  );
});

test("an error without an edge status says the origin could not be diagnosed", () => {
  const verdict = decideVerdict([finding("dns.unresolvable", "error", "d")], [], null);
  assert.equal(verdict.edgeStatus, null);
  assert.match(verdict.summary, /^diag520 could not diagnose the origin: the hostname does not resolve/);
});

test("without --origin, reaching the CDN's own address is never called a healthy origin", () => {
  const verdict = decideVerdict([finding("origin.is_cdn_address", "warning", "d")], [], null);
  assert.equal(verdict.ok, true);
  assert.match(verdict.summary, /^not a diagnosis of the origin: without --origin, diag520 reached the CDN's own edge/);
});

test("an interrupted run says it is incomplete", () => {
  const verdict = decideVerdict([], [], "interrupted by the user");
  assert.match(verdict.summary, /^incomplete: interrupted by the user/);
});
