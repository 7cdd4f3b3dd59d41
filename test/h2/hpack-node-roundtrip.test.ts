/**
 * Proof of the Huffman table and the dynamic table against a real encoder: node:http2's server
 * (nghttp2) sends response fields, Huffman-coding each string when that is shorter (RFC 7541
 * §5.2) and indexing fields in its dynamic table; the tap's decoder must read back exactly what
 * the server sent. Every byte value 1–255 is sent inside a value that Huffman-codes shorter than
 * raw, so nghttp2 must send it Huffman-coded, and long random strings besides.
 *
 * Byte 0 cannot be sent this way: node:http2 passes fields to nghttp2 as one NUL-separated string
 * (lib/internal/http2/util.js mapToHeaders), so a NUL inside a value garbles the whole block
 * (a HEADERS frame of one field, "\0": "\0"). Its code is checked against Appendix B's row and by
 * the encode/decode property in hpack-decoder.test.ts.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import http2 from "node:http2";
import { after, before, describe, it } from "node:test";
import { FrameScanner } from "../../src/h2/frame-scanner.js";
import { headerBlockFragment } from "../../src/h2/frames.js";
import { type HeaderField, type HpackDecodeResult, HpackDecoder } from "../../src/h2/hpack-decoder.js";
import { huffmanLength } from "../../src/h2/huffman.js";
import { tapSocket } from "../../src/h2/socket-tap.js";
import { connectOfferingH2, exchangeWith, ORIGIN_NAME, SERVER_TLS } from "./support.js";

/** A deterministic PRNG (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomString(next: () => number, length: number, alphabet: string): string {
  return Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");
}

const PRINTABLE = Array.from({ length: 95 }, (_, index) => String.fromCharCode(32 + index)).join("");
const EVERY_BYTE_BUT_NUL = Array.from({ length: 255 }, (_, index) => String.fromCharCode(index + 1)).join("");
/** 1–255. */
const BYTES = Array.from({ length: 255 }, (_, index) => index + 1);

/** `byte` between runs of 'a' (a 5-bit code): shorter Huffman-coded than raw for every byte, even 30-bit ones. */
function valueAround(byte: number): string {
  return `${"a".repeat(36)}${String.fromCharCode(byte)}aaaa`;
}

/** Fields the server sends for request `index`; the server's own `date` comes on top. */
function fieldsFor(index: number): HeaderField[] {
  const next = random(index + 1);
  return [
    ["x-byte", valueAround((index % 255) + 1)],
    ["x-printable", randomString(next, 300 + index, PRINTABLE)],
    ["x-any-bytes", randomString(next, 200, EVERY_BYTE_BUT_NUL)],
  ];
}

const REQUESTS = 255;

describe("the tap's HPACK decoder against node:http2's encoder", () => {
  let server: http2.Http2SecureServer;
  let port: number;
  before(async () => {
    server = http2.createSecureServer(SERVER_TLS);
    server.on("stream", (stream, headers) => {
      stream.on("error", () => {});
      const path = String(headers[":path"]);
      const fields: http2.OutgoingHttpHeaders = { ":status": 200 };
      if (path === "/every-byte") {
        for (const byte of BYTES) fields[`x-byte-${String(byte).padStart(3, "0")}`] = valueAround(byte);
      } else {
        for (const [name, value] of fieldsFor(Number(path.slice(1)))) fields[name] = value;
      }
      stream.respond(fields, { endStream: true });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const address = server.address();
    port = typeof address === "object" && address !== null ? address.port : 0;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("every byte value but NUL in one response, through runH2Exchange", async () => {
    const { result } = await exchangeWith(port, { path: "/every-byte", maxHeaderListBytes: 1 << 20 });
    const sent = BYTES.map((byte): HeaderField => [`x-byte-${String(byte).padStart(3, "0")}`, valueAround(byte)]);
    const decoded = result.response?.headers.filter(([name]) => name.startsWith("x-byte-"));
    assert.deepEqual(decoded, sent);
    assert.equal(result.headerDecodingError, undefined);
    // node:http2's client lets CR and LF inside a value through; RFC 9113 §8.2.1 forbids them, and the tap says so.
    assert.equal(result.end, "complete");
    assert.deepEqual(
      result.malformedHeaders.map(({ name, why }) => `${name} ${why}`),
      ["x-byte-010 invalid_value", "x-byte-013 invalid_value"],
    );
  });

  it(`${REQUESTS} responses on one connection: Huffman-coded strings, dynamic table with evictions`, async () => {
    const socket = await connectOfferingH2(port);
    const blocks = new Map<number, HpackDecodeResult>();
    const decoder = new HpackDecoder({ maxHeaderListBytes: 1 << 20 });
    let entries = 0;
    let evicted = false;
    const scanner = new FrameScanner({
      direction: "received",
      onFrame: ({ header, payload }) => {
        // nghttp2 sends each of these small blocks in one HEADERS frame (END_HEADERS).
        if (header.type !== "HEADERS" || payload === null) return;
        const fragment = headerBlockFragment(header, payload);
        assert.ok(fragment !== null && header.flags & 0x4);
        blocks.set(header.streamId, decoder.decode(fragment));
        evicted ||= decoder.dynamicTable.entries < entries;
        entries = decoder.dynamicTable.entries;
      },
    });
    const tap = tapSocket(socket, { sent: () => {}, received: (chunk) => scanner.push(chunk), receivedEnd: () => {} });
    const session = http2.connect(`https://${ORIGIN_NAME}`, { createConnection: () => tap });
    session.on("error", () => {});
    try {
      for (let index = 0; index < REQUESTS; index += 1) {
        const request = session.request({ ":path": `/${index}` });
        request.resume();
        // Not events.once: it rejects on 'error', and a stream node resets is still a decoded block here.
        await new Promise((resolve) => {
          request.on("error", () => {});
          request.on("close", resolve);
        });
      }
    } finally {
      session.destroy();
    }
    for (let index = 0; index < REQUESTS; index += 1) {
      const block = blocks.get(2 * index + 1);
      assert.ok(block, `response ${index}`);
      assert.equal(block.error, null, `response ${index}`);
      const expected = fieldsFor(index);
      const decoded = block.fields.filter(([name]) => name.startsWith("x-"));
      assert.deepEqual(decoded, expected, `response ${index}`);
      const byteValue = expected[0]?.[1] ?? "";
      assert.ok(huffmanLength(Buffer.from(byteValue, "latin1")) < byteValue.length);
      assert.ok(block.huffmanStrings >= 1, `response ${index} used Huffman`);
    }
    assert.ok(evicted, "the dynamic table filled up and entries were evicted");
  });
});
