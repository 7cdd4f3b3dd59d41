/**
 * The request: `buildVisitorRequest` gives the visitor's as fields, `buildEdgeToOriginRequest`
 * what the edge sends the origin for it (the report carries them), `serializeRequestHead` the exact
 * bytes the leg writes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  buildEdgeToOriginRequest,
  buildVisitorRequest,
  newRayId,
  STAND_IN_VISITOR_ADDRESS,
  serializeRequestHead,
  type WireRequest,
} from "../../src/http/request.js";
import type { DiagnoseRequest } from "../../src/options.js";

const BASE: DiagnoseRequest = {
  hostname: "example.test",
  displayHostname: "example.test",
  origin: "127.0.0.1",
  scheme: "https",
  port: 443,
  path: "/",
  method: "GET",
  headers: [],
  userAgent: "diag520-test",
};

const wire = (change: Partial<DiagnoseRequest>) => buildVisitorRequest({ ...BASE, ...change });
const build = (change: Partial<DiagnoseRequest>) => serializeRequestHead(wire(change)).toString("latin1");
const RAY = "0123456789abcdef-DIAG";
const edge = (change: Partial<DiagnoseRequest>) => {
  const request = { ...BASE, ...change };
  return buildEdgeToOriginRequest(request, buildVisitorRequest(request), RAY);
};

describe("buildVisitorRequest", () => {
  it("gives the visitor's request as fields, Host first", () => {
    assert.deepEqual(wire({}), {
      method: "GET",
      path: "/",
      headers: [
        ["Host", "example.test"],
        ["User-Agent", "diag520-test"],
        ["Accept", "*/*"],
      ],
    });
  });

  it("carries the visitor's Host, never the origin's port (the visitor talks to the edge)", () => {
    const host = (change: Partial<DiagnoseRequest>) => wire(change).headers[0];
    assert.deepEqual(host({ scheme: "http", port: 80 }), ["Host", "example.test"]);
    assert.deepEqual(host({ scheme: "https", port: 8443 }), ["Host", "example.test"]);
  });

  it("brackets an IPv6 literal host", () => {
    assert.deepEqual(wire({ hostname: "::1", port: 8080 }).headers[0], ["Host", "[::1]"]);
  });

  it("sends --host-header's value when an Origin Rule rewrites Host", () => {
    assert.deepEqual(wire({ hostHeader: "backend.internal:8080" }).headers[0], ["Host", "backend.internal:8080"]);
  });

  it("lets the user's Host and User-Agent replace the defaults in their place, never both", () => {
    const { headers } = wire({
      headers: [
        ["X-A", "a"],
        ["host", "other.test"],
        ["user-agent", "curl/8"],
      ],
    });
    assert.deepEqual(headers, [
      ["host", "other.test"],
      ["user-agent", "curl/8"],
      ["Accept", "*/*"],
      ["X-A", "a"],
    ]);
  });
});

describe("buildEdgeToOriginRequest", () => {
  it("adds what the edge adds, after the visitor's fields", () => {
    assert.deepEqual(edge({}).headers, [
      ["Host", "example.test"],
      ["User-Agent", "diag520-test"],
      ["Accept", "*/*"],
      ["Accept-Encoding", "br, gzip"],
      ["Connection", "Keep-Alive"],
      ["CF-Connecting-IP", STAND_IN_VISITOR_ADDRESS],
      ["X-Forwarded-For", STAND_IN_VISITOR_ADDRESS],
      ["X-Forwarded-Proto", "https"],
      ["CF-Ray", RAY],
      ["CF-Visitor", '{"scheme":"https"}'],
      ["CDN-Loop", "cloudflare"],
    ]);
  });

  it("lets each field the user gives win over the edge's, once", () => {
    const headers = edge({
      headers: [
        ["X-Forwarded-Proto", "http"],
        ["cf-connecting-ip", "198.51.100.7"],
      ],
    }).headers;
    assert.deepEqual(
      headers.filter(([name]) => /^(x-forwarded-proto|cf-connecting-ip)$/i.test(name)),
      [
        ["X-Forwarded-Proto", "http"],
        ["cf-connecting-ip", "198.51.100.7"],
      ],
    );
  });

  it("sends the visitor's request as it is with edgeHeaders false", () => {
    assert.deepEqual(edge({ edgeHeaders: false }), wire({}));
  });

  it("writes a Ray ID the way the edge does: 16 hex digits, then the colo", () => {
    assert.match(newRayId(new Uint8Array([0, 1, 2, 3, 4, 5, 6, 255])), /^00010203040506ff-DIAG$/);
  });
});

describe("serializeRequestHead", () => {
  it("writes the head the edge would send", () => {
    assert.equal(build({}), "GET / HTTP/1.1\r\nHost: example.test\r\nUser-Agent: diag520-test\r\nAccept: */*\r\n\r\n");
  });

  it("writes the Host as buildVisitorRequest gave it", () => {
    assert.match(build({ scheme: "https", port: 8443 }), /\r\nHost: example\.test\r\n/);
    assert.match(build({ hostname: "::1", port: 8080 }), /\r\nHost: \[::1\]\r\n/);
  });

  it("sends the user's headers in order after the defaults, with method and path as given", () => {
    const raw = build({
      method: "POST",
      path: "/api?q=1",
      headers: [
        ["X-One", "1"],
        ["Cookie", "a=b"],
      ],
    });
    assert.equal(
      raw,
      "POST /api?q=1 HTTP/1.1\r\nHost: example.test\r\nUser-Agent: diag520-test\r\nAccept: */*\r\n" +
        "X-One: 1\r\nCookie: a=b\r\n\r\n",
    );
  });

  it("writes one Host and one User-Agent when the user gives their own", () => {
    const raw = build({
      headers: [
        ["X-A", "a"],
        ["host", "other.test"],
        ["user-agent", "curl/8"],
      ],
    });
    assert.equal(raw.match(/^host:/gim)?.length, 1);
    assert.equal(raw.match(/^user-agent:/gim)?.length, 1);
    assert.equal(raw, "GET / HTTP/1.1\r\nhost: other.test\r\nuser-agent: curl/8\r\nAccept: */*\r\nX-A: a\r\n\r\n");
  });

  it("sends no Connection header (HTTP/1.1 keep-alive by default)", () => {
    assert.doesNotMatch(build({}), /connection/i);
  });

  it("writes latin1 bytes one for one", () => {
    const head = serializeRequestHead({ method: "GET", path: "/caf\xe9", headers: [["X-A", "\xff"]] });
    assert.deepEqual([...head.subarray(8, 9)], [0xe9]);
    assert.equal(head.toString("latin1"), "GET /caf\xe9 HTTP/1.1\r\nX-A: \xff\r\n\r\n");
  });

  // The CLI refuses these first; the serializer is the last line of defence against header injection.
  for (const [name, change] of [
    ["CR in a value", { headers: [["X-A", "a\rb"]] }],
    ["LF in a value", { headers: [["X-A", "a\nInjected: 1"]] }],
    ["NUL in a name", { headers: [["X-\0", "a"]] }],
    ["LF in the path", { path: "/\nX: y" }],
    ["CR in the method", { method: "GET\r" }],
    ["NUL in the hostname", { hostname: "a\0b" }],
  ] as const) {
    it(`refuses ${name}`, () => {
      assert.throws(() => build(change as Partial<DiagnoseRequest>), /serializeRequestHead/);
    });
  }

  it("refuses a character beyond latin1, which has no single byte", () => {
    const request: WireRequest = { method: "GET", path: "/", headers: [["X-A", "\u2028"]] };
    assert.throws(() => serializeRequestHead(request), /U\+2028/);
  });
});
