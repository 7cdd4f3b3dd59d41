import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildRawRequest } from "../../src/http/request.js";
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

const build = (change: Partial<DiagnoseRequest>) => buildRawRequest({ ...BASE, ...change }).toString("latin1");

describe("buildRawRequest", () => {
  it("writes the head the edge would send", () => {
    assert.equal(build({}), "GET / HTTP/1.1\r\nHost: example.test\r\nUser-Agent: diag520-test\r\nAccept: */*\r\n\r\n");
  });

  it("adds the port only when it is not the scheme's default", () => {
    assert.match(build({ scheme: "http", port: 80 }), /\r\nHost: example\.test\r\n/);
    assert.match(build({ scheme: "https", port: 8443 }), /\r\nHost: example\.test:8443\r\n/);
    assert.match(build({ scheme: "http", port: 443 }), /\r\nHost: example\.test:443\r\n/);
  });

  it("brackets an IPv6 literal host", () => {
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

  it("lets the user's Host and User-Agent replace the defaults, never both", () => {
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

  for (const [name, change] of [
    ["CR in a value", { headers: [["X-A", "a\rb"]] }],
    ["LF in a value", { headers: [["X-A", "a\nInjected: 1"]] }],
    ["NUL in a name", { headers: [["X-\0", "a"]] }],
    ["LF in the path", { path: "/\nX: y" }],
    ["CR in the method", { method: "GET\r" }],
    ["NUL in the hostname", { hostname: "a\0b" }],
  ] as const) {
    it(`refuses ${name}`, () => {
      assert.throws(() => buildRawRequest({ ...BASE, ...(change as Partial<DiagnoseRequest>) }), /buildRawRequest/);
    });
  }
});
