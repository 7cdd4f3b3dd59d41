/** The response rebuilt from the tap's frames alone, in process: the shapes the lab's servers do not send. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { FLAGS } from "../../src/h2/frame-names.js";
import { FrameScanner } from "../../src/h2/frame-scanner.js";
import {
  dataFrame,
  encodeFrame,
  goawayFrame,
  headersFrame,
  rstStreamFrame,
  settingsFrame,
} from "../../src/h2/frame-writer.js";
import { CONNECTION_PREFACE } from "../../src/h2/frames.js";
import { encodeHeaderBlock } from "../../src/h2/hpack-encoder.js";
import { encodeHuffman } from "../../src/h2/huffman.js";
import { ResponseTracker } from "../../src/h2/response-tracker.js";

function track(serverBytes: Buffer, clientBytes: Buffer = Buffer.alloc(0), options: { maxBodyBytes?: number } = {}) {
  let now = 0;
  const tracker = new ResponseTracker({
    streamId: 1,
    method: "GET",
    maxBodyBytes: options.maxBodyBytes ?? 1024,
    maxHeaderListBytes: 64 * 1024,
    clock: () => ++now,
  });
  const sent = new FrameScanner({ direction: "sent", onFrame: (frame) => tracker.onSentFrame(frame) });
  const received = new FrameScanner({ direction: "received", onFrame: (frame) => tracker.onReceivedFrame(frame) });
  sent.push(Buffer.concat([CONNECTION_PREFACE, settingsFrame(), clientBytes]));
  received.push(Buffer.concat([settingsFrame(), serverBytes]));
  return tracker;
}

const OK = encodeHeaderBlock([
  [":status", "200"],
  ["content-length", "2"],
]);

describe("ResponseTracker", () => {
  it("joins a header block split over HEADERS and CONTINUATION frames (RFC 9113 §6.10)", () => {
    const tracker = track(
      Buffer.concat([
        encodeFrame("HEADERS", FLAGS.END_STREAM, 1, OK.subarray(0, 3)),
        encodeFrame("CONTINUATION", 0, 1, OK.subarray(3, 9)),
        encodeFrame("CONTINUATION", FLAGS.END_HEADERS, 1, OK.subarray(9)),
      ]),
    );
    assert.deepEqual(tracker.response?.headers, [
      [":status", "200"],
      ["content-length", "2"],
    ]);
    assert.equal(tracker.response?.complete, true);
    assert.deepEqual(tracker.malformedHeaders(), [
      { name: "content-length", value: "2", why: "content_length_mismatch" },
    ]);
  });

  it("skips informational responses and keeps trailers apart (§8.1)", () => {
    const tracker = track(
      Buffer.concat([
        headersFrame(1, encodeHeaderBlock([[":status", "103"]])),
        headersFrame(1, OK),
        dataFrame(1, Buffer.from("ok")),
        headersFrame(1, encodeHeaderBlock([["x-checksum", "1"]]), { endStream: true }),
      ]),
    );
    assert.equal(tracker.response?.status, 200);
    assert.deepEqual(tracker.response?.trailers, [["x-checksum", "1"]]);
    assert.equal(tracker.response?.body.toString(), "ok");
    assert.deepEqual(tracker.malformedHeaders(), []);
  });

  it("removes DATA padding and bounds the body it keeps", () => {
    const padded = encodeFrame("DATA", FLAGS.PADDED | FLAGS.END_STREAM, 1, Buffer.from([3, 0x6f, 0x6b, 0, 0, 0]));
    const tracker = track(Buffer.concat([headersFrame(1, OK), padded]), undefined, { maxBodyBytes: 1 });
    assert.equal(tracker.response?.bodyBytes, 2);
    assert.equal(tracker.response?.body.toString(), "o");
    assert.deepEqual(tracker.malformedHeaders(), []);
  });

  it("decodes every block of the connection in order, other streams included (HPACK state is shared)", () => {
    // Stream 3's block inserts "x-shared: 1" (literal with incremental indexing); stream 1's block refers to it (index 62).
    const name = encodeHuffman(Buffer.from("x-shared"));
    const insert = Buffer.concat([Buffer.from([0x40, 0x80 | name.length]), name, Buffer.from([0x01, 0x31])]);
    const tracker = track(
      Buffer.concat([
        headersFrame(3, Buffer.concat([Buffer.from([0x88]), insert]), { endStream: true }),
        headersFrame(1, Buffer.from([0x88, 0xbe]), { endStream: true }),
      ]),
    );
    assert.deepEqual(tracker.response?.headers, [
      [":status", "200"],
      ["x-shared", "1"],
    ]);
    assert.equal(tracker.headerDecodingError, null);
  });

  it("says who reset the stream and who sent GOAWAY", () => {
    const tracker = track(goawayFrame(1, "NO_ERROR"), rstStreamFrame(1, "CANCEL"));
    assert.deepEqual(tracker.streamReset, { by: "client", errorCode: "CANCEL" });
    assert.deepEqual(tracker.goaway, { by: "origin", errorCode: "NO_ERROR", lastStreamId: 1, debugData: "" });
  });

  it("reports an HPACK error with the stream it was on, and keeps going", () => {
    const tracker = track(Buffer.concat([headersFrame(1, Buffer.from([0x80])), dataFrame(1, Buffer.from("x"))]));
    assert.deepEqual(tracker.headerDecodingError, { code: "index_zero", streamId: 1, offset: 0 });
    assert.equal(tracker.response?.bodyBytes, 1);
  });

  it("never throws on random frames from the origin (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(10), fc.nat(255), fc.nat(4), fc.uint8Array({ maxLength: 40 })), { maxLength: 20 }),
        (frames) => {
          const tracker = track(
            Buffer.concat(frames.map(([type, flags, stream, payload]) => encodeFrame(type, flags, stream, payload))),
          );
          void tracker.response;
          tracker.malformedHeaders();
        },
      ),
      { numRuns: 500 },
    );
  });
});
