import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { BoundedLog } from "../../src/h2/bounded-log.js";
import { flagNames } from "../../src/h2/frame-names.js";
import { FrameScanner, type ScannedFrame } from "../../src/h2/frame-scanner.js";
import {
  dataFrame,
  encodeFrame,
  goawayFrame,
  headersFrame,
  pingFrame,
  rstStreamFrame,
  settingsAckFrame,
  settingsFrame,
  windowUpdateFrame,
} from "../../src/h2/frame-writer.js";
import { CONNECTION_PREFACE, type Direction, type FrameRecord } from "../../src/h2/frames.js";

/** Records without `atMs`, which these tests never set. */
function scan(direction: Direction, bytes: Buffer, pieces: readonly number[] = [bytes.length]) {
  const frames: ScannedFrame[] = [];
  const scanner = new FrameScanner({ direction, onFrame: (frame) => frames.push(frame) });
  let offset = 0;
  for (const size of pieces) {
    scanner.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  scanner.push(bytes.subarray(offset));
  scanner.end();
  return { scanner, frames };
}

const SERVER_PREFACE = settingsFrame([
  ["SETTINGS_MAX_CONCURRENT_STREAMS", 100],
  ["SETTINGS_INITIAL_WINDOW_SIZE", 65_535],
]);

/** A server's side of a short exchange: every control frame the scanner describes. */
const SERVER_BYTES = Buffer.concat([
  SERVER_PREFACE,
  settingsAckFrame(),
  headersFrame(1, Buffer.from([0x88])),
  dataFrame(1, Buffer.from("hello"), { endStream: true }),
  windowUpdateFrame(0, 1000),
  pingFrame(Buffer.alloc(8, 7), { ack: true }),
  rstStreamFrame(3, "REFUSED_STREAM"),
  goawayFrame(3, "ENHANCE_YOUR_CALM", "too many resets"),
]);

const EXPECTED_SERVER_RECORDS: FrameRecord[] = [
  {
    direction: "received",
    type: "SETTINGS",
    typeCode: 4,
    streamId: 0,
    flags: [],
    length: 12,
    settings: { SETTINGS_MAX_CONCURRENT_STREAMS: 100, SETTINGS_INITIAL_WINDOW_SIZE: 65_535 },
  },
  { direction: "received", type: "SETTINGS", typeCode: 4, streamId: 0, flags: ["ACK"], length: 0 },
  { direction: "received", type: "HEADERS", typeCode: 1, streamId: 1, flags: ["END_HEADERS"], length: 1 },
  { direction: "received", type: "DATA", typeCode: 0, streamId: 1, flags: ["END_STREAM"], length: 5 },
  {
    direction: "received",
    type: "WINDOW_UPDATE",
    typeCode: 8,
    streamId: 0,
    flags: [],
    length: 4,
    windowIncrement: 1000,
  },
  { direction: "received", type: "PING", typeCode: 6, streamId: 0, flags: ["ACK"], length: 8 },
  {
    direction: "received",
    type: "RST_STREAM",
    typeCode: 3,
    streamId: 3,
    flags: [],
    length: 4,
    errorCode: "REFUSED_STREAM",
  },
  {
    direction: "received",
    type: "GOAWAY",
    typeCode: 7,
    streamId: 0,
    flags: [],
    length: 23,
    lastStreamId: 3,
    errorCode: "ENHANCE_YOUR_CALM",
    debugData: "too many resets",
  },
];

describe("FrameScanner: splits", () => {
  const cases: Array<[string, number[]]> = [
    ["whole", []],
    ["one byte at a time", Array.from({ length: SERVER_BYTES.length }, () => 1)],
    ["inside the first frame header", [4]],
    ["at the first frame boundary", [SERVER_PREFACE.length]],
    ["inside a payload", [SERVER_PREFACE.length + 12]],
    ["in pieces of 7", Array.from({ length: Math.ceil(SERVER_BYTES.length / 7) }, () => 7)],
  ];
  for (const [name, pieces] of cases) {
    it(`gives the same records ${name}`, () => {
      const { scanner } = scan("received", SERVER_BYTES, pieces);
      assert.deepEqual(scanner.records, EXPECTED_SERVER_RECORDS);
      assert.equal(scanner.notHttp2, null);
      assert.equal(scanner.truncated, false);
      assert.equal(scanner.bytes, SERVER_BYTES.length);
    });
  }

  it("gives the same records for any split (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 30 }), (pieces) => {
        assert.deepEqual(scan("received", SERVER_BYTES, pieces).scanner.records, EXPECTED_SERVER_RECORDS);
      }),
      { numRuns: 200 },
    );
  });
});

describe("FrameScanner: the client connection preface (RFC 9113 §3.4)", () => {
  const clientBytes = Buffer.concat([CONNECTION_PREFACE, settingsFrame([["SETTINGS_ENABLE_PUSH", 0]])]);

  for (const [name, pieces] of [
    ["whole", []],
    ["split inside the preface", [10, 10]],
    ["byte by byte", Array.from({ length: clientBytes.length }, () => 1)],
  ] as Array<[string, number[]]>) {
    it(`is skipped and noted, ${name}`, () => {
      const { scanner } = scan("sent", clientBytes, pieces);
      assert.equal(scanner.prefaceSeen, true);
      assert.equal(scanner.notHttp2, null);
      assert.deepEqual(scanner.records, [
        {
          direction: "sent",
          type: "SETTINGS",
          typeCode: 4,
          streamId: 0,
          flags: [],
          length: 6,
          settings: { SETTINGS_ENABLE_PUSH: 0 },
        },
      ]);
    });
  }

  it("a missing preface is not HTTP/2", () => {
    const { scanner } = scan("sent", Buffer.from("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
    assert.equal(scanner.prefaceSeen, false);
    assert.deepEqual(scanner.notHttp2, {
      expected: "connection preface",
      firstBytes: "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
      looksLikeHttp1: true,
    });
    assert.deepEqual(scanner.records, []);
  });

  it("the server's direction does not expect one unless told", () => {
    const { scanner } = scan("received", Buffer.concat([CONNECTION_PREFACE, SERVER_PREFACE]));
    assert.equal(scanner.notHttp2?.expected, "SETTINGS frame");
    const told = new FrameScanner({ direction: "received", expectPreface: true });
    told.push(Buffer.concat([CONNECTION_PREFACE, SERVER_PREFACE]));
    assert.equal(told.prefaceSeen, true);
    assert.equal(told.records.length, 1);
  });
});

describe("FrameScanner: bytes that are not HTTP/2", () => {
  const http1 = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok";
  const cases: Array<{ name: string; bytes: Buffer; looksLikeHttp1: boolean; pieces?: number[] }> = [
    { name: "an HTTP/1.1 response", bytes: Buffer.from(http1), looksLikeHttp1: true },
    {
      name: "an HTTP/1.1 response, byte by byte",
      bytes: Buffer.from(http1),
      looksLikeHttp1: true,
      pieces: [1, 1, 1, 1],
    },
    { name: "an HTTP/1.0 response cut at 5 bytes", bytes: Buffer.from("HTTP/"), looksLikeHttp1: false },
    {
      name: "a TLS alert record",
      bytes: Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28, 0, 0]),
      looksLikeHttp1: false,
    },
    { name: "an HTML page", bytes: Buffer.from("<html><body>Bad Request</body></html>"), looksLikeHttp1: false },
    {
      name: "a valid frame that is not SETTINGS first",
      bytes: headersFrame(1, Buffer.from([0x88])),
      looksLikeHttp1: false,
    },
  ];
  for (const { name, bytes, looksLikeHttp1, pieces } of cases) {
    it(`${name}: a typed condition, first bytes kept, nothing thrown`, () => {
      const { scanner, frames } = scan("received", bytes, pieces);
      assert.equal(scanner.notHttp2?.expected, "SETTINGS frame");
      assert.equal(scanner.notHttp2?.firstBytes, bytes.subarray(0, 64).toString("latin1"));
      assert.equal(scanner.notHttp2?.looksLikeHttp1, looksLikeHttp1);
      assert.deepEqual(frames, []);
    });
  }

  it("stops parsing after the first bad bytes and keeps only 64 of them", () => {
    const scanner = new FrameScanner({ direction: "received" });
    scanner.push(Buffer.from("HTTP/1.1 200 OK\r\n"));
    scanner.push(Buffer.alloc(100_000, 0x41));
    scanner.push(SERVER_PREFACE);
    assert.equal(scanner.notHttp2?.firstBytes.length, 64);
    assert.deepEqual(scanner.records, []);
    assert.equal(scanner.bytes, 17 + 100_000 + SERVER_PREFACE.length);
  });

  it("never throws on random bytes, in either direction (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), fc.array(fc.nat(50)), (bytes, sent, pieces) => {
        const { scanner } = scan(sent ? "sent" : "received", Buffer.from(bytes), pieces);
        assert.ok(scanner.records.length <= 256);
      }),
      { numRuns: 300 },
    );
  });

  it("never throws on random frames after a valid preface (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(12), fc.nat(255), fc.nat(7), fc.uint8Array({ maxLength: 40 }))), (list) => {
        const bytes = Buffer.concat([
          SERVER_PREFACE,
          ...list.map(([type, flags, stream, payload]) => encodeFrame(type, flags, stream, payload)),
        ]);
        const { scanner } = scan("received", bytes);
        assert.equal(scanner.records.length, list.length + 1);
      }),
      { numRuns: 200 },
    );
  });
});

describe("FrameScanner: bounds", () => {
  it("keeps the first and last records of a flood and counts the rest", () => {
    const scanner = new FrameScanner({ direction: "received", maxRecords: 4 });
    scanner.push(SERVER_PREFACE);
    for (let index = 0; index < 1000; index += 1) scanner.push(pingFrame(Buffer.alloc(8)));
    scanner.push(goawayFrame(0, "ENHANCE_YOUR_CALM"));
    const types = scanner.records.map((record) => record.type);
    assert.deepEqual(types, ["SETTINGS", "PING", "PING", "GOAWAY"]);
    assert.equal(scanner.dropped, 998);
  });

  it("skips payloads over maxPayloadBytes but still records the frame", () => {
    const frames: ScannedFrame[] = [];
    const scanner = new FrameScanner({ direction: "received", maxPayloadBytes: 8, onFrame: (f) => frames.push(f) });
    const settings = settingsFrame([["SETTINGS_MAX_CONCURRENT_STREAMS", 1]]);
    scanner.push(Buffer.concat([settings, dataFrame(1, Buffer.alloc(100)), pingFrame(Buffer.alloc(8))]));
    assert.deepEqual(
      frames.map((f) => [f.record.type, f.payload?.length ?? null, f.record.payloadSkipped ?? false]),
      [
        ["SETTINGS", 6, false],
        ["DATA", null, true],
        ["PING", 8, false],
      ],
    );
  });

  it("notes a frame cut short by the end of the stream", () => {
    const { scanner } = scan(
      "received",
      Buffer.concat([SERVER_PREFACE, dataFrame(1, Buffer.alloc(10))]).subarray(0, -3),
    );
    assert.equal(scanner.truncated, true);
    assert.equal(scanner.notHttp2, null);
    assert.equal(scanner.records.length, 1);
  });

  it("shares one log between two directions, in arrival order", () => {
    const log = new BoundedLog<FrameRecord>(10);
    const sent = new FrameScanner({ direction: "sent", log });
    const received = new FrameScanner({ direction: "received", log });
    sent.push(Buffer.concat([CONNECTION_PREFACE, settingsFrame()]));
    received.push(SERVER_PREFACE);
    sent.push(settingsAckFrame());
    assert.deepEqual(
      log.entries().map((record) => `${record.direction} ${record.type} ${record.flags.join(",")}`),
      ["sent SETTINGS ", "received SETTINGS ", "sent SETTINGS ACK"],
    );
  });
});

describe("frame payloads (RFC 9113 §6)", () => {
  const record = (frame: Buffer): FrameRecord | undefined =>
    scan("received", Buffer.concat([SERVER_PREFACE, frame])).scanner.records[1];

  const cases: Array<[string, Buffer, Partial<FrameRecord>]> = [
    ["an unknown error code", rstStreamFrame(1, 0x1f), { errorCode: "UNKNOWN_0x1f" }],
    ["HTTP_1_1_REQUIRED", rstStreamFrame(1, "HTTP_1_1_REQUIRED"), { errorCode: "HTTP_1_1_REQUIRED" }],
    ["an unknown setting", settingsFrame([[0x10, 7]]), { settings: { SETTINGS_0x0010: 7 } }],
    [
      "an unknown frame type",
      encodeFrame(0x50, 0xff, 9, Buffer.alloc(2)),
      { type: "UNKNOWN", typeCode: 0x50, flags: ["0x1", "0x2", "0x4", "0x8", "0x10", "0x20", "0x40", "0x80"] },
    ],
    ["RST_STREAM of 3 bytes", encodeFrame("RST_STREAM", 0, 1, Buffer.alloc(3)), { violation: "wrong_payload_length" }],
    ["SETTINGS of 7 bytes", encodeFrame("SETTINGS", 0, 0, Buffer.alloc(7)), { violation: "wrong_payload_length" }],
    [
      "SETTINGS ACK with a payload",
      encodeFrame("SETTINGS", 1, 0, Buffer.alloc(6)),
      { violation: "settings_ack_with_payload" },
    ],
    ["SETTINGS on a stream", encodeFrame("SETTINGS", 0, 1), { violation: "stream_id_must_be_zero" }],
    ["HEADERS on stream 0", headersFrame(0, Buffer.from([0x88])), { violation: "stream_id_must_not_be_zero" }],
    ["a zero WINDOW_UPDATE", windowUpdateFrame(1, 0), { windowIncrement: 0, violation: "zero_window_increment" }],
    [
      "padding longer than the DATA",
      encodeFrame("DATA", 0x8, 1, Buffer.from([9, 0, 0])),
      { violation: "padding_exceeds_payload" },
    ],
    ["a GOAWAY of 4 bytes", encodeFrame("GOAWAY", 0, 0, Buffer.alloc(4)), { violation: "wrong_payload_length" }],
    [
      "a GOAWAY with long debug data",
      goawayFrame(5, "NO_ERROR", "x".repeat(1000)),
      { lastStreamId: 5, errorCode: "NO_ERROR", debugData: "x".repeat(256) },
    ],
  ];
  for (const [name, frame, expected] of cases) {
    it(name, () => {
      const actual = record(frame);
      assert.ok(actual);
      for (const [key, value] of Object.entries(expected)) {
        assert.deepEqual(actual[key as keyof FrameRecord], value, key);
      }
    });
  }

  it("names flags per frame type", () => {
    assert.deepEqual(flagNames("HEADERS", 0x2d), ["END_STREAM", "END_HEADERS", "PADDED", "PRIORITY"]);
    assert.deepEqual(flagNames("SETTINGS", 0x1), ["ACK"]);
    assert.deepEqual(flagNames("CONTINUATION", 0x5), ["END_HEADERS", "0x1"]);
    assert.deepEqual(flagNames("GOAWAY", 0), []);
  });
});
