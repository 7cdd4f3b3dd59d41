/**
 * The request the edge would send: `buildWireRequest` gives it as fields (the report carries them),
 * `serializeRequestHead` as the exact bytes the leg writes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildWireRequest, serializeRequestHead, type WireRequest } from "../../src/http/request.js";
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

const wire = (change: Partial<DiagnoseRequest>) => buildWireRequest({ ...BASE, ...change });
const build = (change: Partial<DiagnoseRequest>) => serializeRequestHead(wire(change)).toString("latin1");

describe("buildWireRequest", () => {
  it("gives the request the edge would send as fields, Host first", () => {
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

  it("adds the port only when it is not the scheme's default", () => {
    const host = (change: Partial<DiagnoseRequest>) => wire(change).headers[0];
    assert.deepEqual(host({ scheme: "http", port: 80 }), ["Host", "example.test"]);
    assert.deepEqual(host({ scheme: "https", port: 8443 }), ["Host", "example.test:8443"]);
    assert.deepEqual(host({ scheme: "http", port: 443 }), ["Host", "example.test:443"]);
  });

  it("brackets an IPv6 literal host", () => {
    assert.deepEqual(wire({ hostname: "::1", port: 8080 }).headers[0], ["Host", "[::1]:8080"]);
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

describe("serializeRequestHead", () => {
  it("writes the head the edge would send", () => {
    assert.equal(build({}), "GET / HTTP/1.1\r\nHost: example.test\r\nUser-Agent: diag520-test\r\nAccept: */*\r\n\r\n");
  });

  it("writes the Host port as buildWireRequest gave it", () => {
    assert.match(build({ scheme: "http", port: 80 }), /\r\nHost: example\.test\r\n/);
    assert.match(build({ scheme: "https", port: 8443 }), /\r\nHost: example\.test:8443\r\n/);
    assert.match(build({ scheme: "http", port: 443 }), /\r\nHost: example\.test:443\r\n/);
    assert.match(build({ hostname: "::1", port: 8080 }), /\r\nHost: \[::1\]:8080\r\n/);
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
