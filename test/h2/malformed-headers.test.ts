import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HeaderField } from "../../src/h2/hpack-decoder.js";
import { type MalformedHeader, malformedResponseHeaders } from "../../src/h2/malformed-headers.js";

const OK: HeaderField[] = [
  [":status", "200"],
  ["content-type", "text/plain"],
];
const ENDED_EMPTY = { method: "GET", contentBytesAtEndStream: 0 };
const OPEN = { method: "GET", contentBytesAtEndStream: null };

describe("malformedResponseHeaders (RFC 9113 §8.1.1, §8.2, §8.3)", () => {
  const cases: Array<
    [string, HeaderField[], MalformedHeader[], { method: string; contentBytesAtEndStream: number | null }?]
  > = [
    ["a well-formed response", OK, []],
    ["te: trailers is allowed", [...OK, ["te", "trailers"]], []],
    [
      "connection",
      [...OK, ["connection", "keep-alive"]],
      [{ name: "connection", value: "keep-alive", why: "connection_specific_field" }],
    ],
    [
      "keep-alive",
      [...OK, ["keep-alive", "timeout=5"]],
      [{ name: "keep-alive", value: "timeout=5", why: "connection_specific_field" }],
    ],
    [
      "proxy-connection",
      [...OK, ["proxy-connection", "close"]],
      [{ name: "proxy-connection", value: "close", why: "connection_specific_field" }],
    ],
    [
      "transfer-encoding",
      [...OK, ["transfer-encoding", "chunked"]],
      [{ name: "transfer-encoding", value: "chunked", why: "connection_specific_field" }],
    ],
    ["upgrade", [...OK, ["upgrade", "h2c"]], [{ name: "upgrade", value: "h2c", why: "connection_specific_field" }]],
    ["te other than trailers", [...OK, ["te", "gzip"]], [{ name: "te", value: "gzip", why: "te_not_trailers" }]],
    ["an upper-case name", [...OK, ["X-Upper", "1"]], [{ name: "X-Upper", value: "1", why: "upper_case_name" }]],
    [
      "an upper-case connection-specific name: both reasons",
      [...OK, ["Connection", "close"]],
      [
        { name: "Connection", value: "close", why: "upper_case_name" },
        { name: "Connection", value: "close", why: "connection_specific_field" },
      ],
    ],
    ["a name with a space", [...OK, ["x y", "1"]], [{ name: "x y", value: "1", why: "invalid_name" }]],
    ["an empty name", [...OK, ["", "1"]], [{ name: "", value: "1", why: "invalid_name" }]],
    ["a NUL in a value", [...OK, ["x", "a\0b"]], [{ name: "x", value: "a\0b", why: "invalid_value" }]],
    [
      "a value ending in a space",
      [...OK, ["x", "a "]],
      [{ name: "x", value: "a ", why: "value_surrounding_whitespace" }],
    ],
    ["no :status", [["content-type", "text/plain"]], [{ name: ":status", value: "", why: "missing_status" }]],
    ["a :status of two digits", [[":status", "20"]], [{ name: ":status", value: "20", why: "invalid_status" }]],
    [
      "two :status",
      [...OK, [":status", "204"]],
      [
        { name: ":status", value: "204", why: "pseudo_header_after_regular" },
        { name: ":status", value: "204", why: "duplicate_status" },
      ],
    ],
    [
      "a pseudo-header after a regular field",
      [
        ["content-type", "text/plain"],
        [":status", "200"],
      ],
      [{ name: ":status", value: "200", why: "pseudo_header_after_regular" }],
    ],
    [
      "a request pseudo-header in a response",
      [...OK.slice(0, 1), [":path", "/"]],
      [{ name: ":path", value: "/", why: "unknown_pseudo_header" }],
    ],
    [
      "END_STREAM with content-length 5 and no content",
      [...OK, ["content-length", "5"]],
      [{ name: "content-length", value: "5", why: "content_length_mismatch" }],
    ],
    [
      "content-length matching the content",
      [...OK, ["content-length", "3"]],
      [],
      { method: "GET", contentBytesAtEndStream: 3 },
    ],
    ["content-length before END_STREAM is not judged", [...OK, ["content-length", "5"]], [], OPEN],
    [
      "content-length on a HEAD response",
      [...OK, ["content-length", "5"]],
      [],
      { method: "HEAD", contentBytesAtEndStream: 0 },
    ],
    [
      "content-length on a 304",
      [
        [":status", "304"],
        ["content-length", "5"],
      ],
      [],
    ],
    [
      "content-length on a 204",
      [
        [":status", "204"],
        ["content-length", "5"],
      ],
      [],
    ],
  ];
  for (const [name, fields, expected, context] of cases) {
    it(name, () => {
      assert.deepEqual(malformedResponseHeaders(fields, context ?? ENDED_EMPTY), expected);
    });
  }
});
