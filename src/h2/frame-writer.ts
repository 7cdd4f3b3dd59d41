/**
 * Builds HTTP/2 frames byte for byte (RFC 9113 §4.1, §6), for the lab's fault servers. It
 * checks nothing on purpose: a fault server must be able to send a SETTINGS value or an error
 * code that no well-behaved library would let it send.
 */
import {
  ERROR_CODES,
  type ErrorCodeName,
  FLAGS,
  FRAME_TYPES,
  type KnownFrameType,
  SETTINGS_PARAMETERS,
  type SettingName,
} from "./frame-names.js";
import { FRAME_HEADER_BYTES } from "./frames.js";

export function encodeFrame(
  type: KnownFrameType | number,
  flags: number,
  streamId: number,
  payload: Uint8Array = Buffer.alloc(0),
): Buffer {
  const frame = Buffer.alloc(FRAME_HEADER_BYTES + payload.length);
  frame.writeUIntBE(payload.length, 0, 3);
  frame.writeUInt8(typeof type === "number" ? type : FRAME_TYPES[type], 3);
  frame.writeUInt8(flags, 4);
  frame.writeUInt32BE(streamId & 0x7fffffff, 5);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

const errorNumber = (code: ErrorCodeName | number): number => (typeof code === "number" ? code : ERROR_CODES[code]);

/** §6.5.1: 16-bit identifier, 32-bit value per entry. */
export function settingsFrame(settings: ReadonlyArray<readonly [SettingName | number, number]> = []): Buffer {
  const payload = Buffer.alloc(settings.length * 6);
  settings.forEach(([id, value], index) => {
    payload.writeUInt16BE(typeof id === "number" ? id : SETTINGS_PARAMETERS[id], index * 6);
    payload.writeUInt32BE(value >>> 0, index * 6 + 2);
  });
  return encodeFrame("SETTINGS", 0, 0, payload);
}

export function settingsAckFrame(): Buffer {
  return encodeFrame("SETTINGS", FLAGS.ACK, 0);
}

/** One HEADERS frame carrying the whole block (END_HEADERS). */
export function headersFrame(streamId: number, block: Uint8Array, options: { endStream?: boolean } = {}): Buffer {
  return encodeFrame("HEADERS", FLAGS.END_HEADERS | (options.endStream ? FLAGS.END_STREAM : 0), streamId, block);
}

export function dataFrame(streamId: number, data: Uint8Array, options: { endStream?: boolean } = {}): Buffer {
  return encodeFrame("DATA", options.endStream ? FLAGS.END_STREAM : 0, streamId, data);
}

export function rstStreamFrame(streamId: number, errorCode: ErrorCodeName | number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(errorNumber(errorCode));
  return encodeFrame("RST_STREAM", 0, streamId, payload);
}

export function goawayFrame(lastStreamId: number, errorCode: ErrorCodeName | number, debugData = ""): Buffer {
  const debug = Buffer.from(debugData, "latin1");
  const payload = Buffer.alloc(8 + debug.length);
  payload.writeUInt32BE(lastStreamId & 0x7fffffff, 0);
  payload.writeUInt32BE(errorNumber(errorCode), 4);
  payload.set(debug, 8);
  return encodeFrame("GOAWAY", 0, 0, payload);
}

/** §6.7: an 8-byte opaque payload, echoed with ACK. */
export function pingFrame(opaque: Uint8Array, options: { ack?: boolean } = {}): Buffer {
  return encodeFrame("PING", options.ack ? FLAGS.ACK : 0, 0, opaque);
}

export function windowUpdateFrame(streamId: number, increment: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(increment & 0x7fffffff);
  return encodeFrame("WINDOW_UPDATE", 0, streamId, payload);
}
