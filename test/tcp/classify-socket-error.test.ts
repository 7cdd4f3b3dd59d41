import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type ConnectFailureKind, classifySocketError } from "../../src/net/classify-socket-error.js";

const withCode = (code: string, extra: object = {}): Error =>
  Object.assign(new Error(`connect ${code}`), { code, ...extra });

describe("classifySocketError", () => {
  const rows: ReadonlyArray<readonly [string, unknown, ConnectFailureKind, string | null]> = [
    ["ECONNREFUSED", withCode("ECONNREFUSED"), "refused", "ECONNREFUSED"],
    ["ECONNRESET while connecting: accepted, then reset (520, not 521)", withCode("ECONNRESET"), "reset", "ECONNRESET"],
    ["ETIMEDOUT", withCode("ETIMEDOUT"), "timeout", "ETIMEDOUT"],
    ["happy-eyeballs timeout", withCode("ERR_SOCKET_CONNECTION_TIMEOUT"), "timeout", "ERR_SOCKET_CONNECTION_TIMEOUT"],
    ["EHOSTUNREACH", withCode("EHOSTUNREACH"), "unreachable", "EHOSTUNREACH"],
    ["ENETUNREACH", withCode("ENETUNREACH"), "unreachable", "ENETUNREACH"],
    ["EHOSTDOWN", withCode("EHOSTDOWN"), "unreachable", "EHOSTDOWN"],
    ["ENETDOWN", withCode("ENETDOWN"), "unreachable", "ENETDOWN"],
    ["EADDRNOTAVAIL", withCode("EADDRNOTAVAIL"), "unreachable", "EADDRNOTAVAIL"],
    ["EPERM from a local firewall", withCode("EPERM"), "local", "EPERM"],
    ["EACCES", withCode("EACCES"), "local", "EACCES"],
    ["an unknown code is kept", withCode("EPROTO"), "unknown", "EPROTO"],
    ["no code at all", new Error("boom"), "unknown", null],
    ["not an object", "boom", "unknown", null],
    ["the code on a cause", new Error("wrapped", { cause: withCode("ECONNREFUSED") }), "refused", "ECONNREFUSED"],
    [
      "AggregateError members, the first known code wins",
      new AggregateError([withCode("EWHATEVER"), withCode("ENETUNREACH"), withCode("ECONNREFUSED")]),
      "unreachable",
      "ENETUNREACH",
    ],
    [
      "an outer code that is unknown does not hide a known inner one",
      Object.assign(new AggregateError([withCode("ETIMEDOUT")]), { code: "ERR_SOMETHING" }),
      "timeout",
      "ETIMEDOUT",
    ],
  ];
  for (const [name, error, kind, errorCode] of rows) {
    test(name, () => {
      assert.deepEqual(classifySocketError(error), { kind, errorCode });
    });
  }

  test("a cause cycle does not loop", () => {
    const a: Error & { cause?: unknown } = new Error("a");
    const b = new Error("b", { cause: a });
    a.cause = b;
    assert.deepEqual(classifySocketError(a), { kind: "unknown", errorCode: null });
  });
});
