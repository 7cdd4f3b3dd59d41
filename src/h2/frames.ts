/**
 * One HTTP/2 frame as facts: the 9-byte header (RFC 9113 §4.1) and what the payload of the
 * control frames says (§6). Pure and total: a payload of the wrong size becomes a typed
 * `violation` on the record, never an exception, because a broken origin is what we look at.
 */
import {
  errorCodeName,
  FLAGS,
  FRAME_TYPES,
  type FrameTypeName,
  flagNames,
  frameTypeName,
  settingName,
} from "./frame-names.js";

export const FRAME_HEADER_BYTES = 9;

/** The client's connection preface (§3.4), before its first SETTINGS frame. */
export const CONNECTION_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** GOAWAY debug data kept in a record (§6.8 sets no limit; it is free text for humans). */
export const MAX_DEBUG_DATA_BYTES = 256;

export type Direction = "sent" | "received";

export interface FrameHeader {
  /** Payload length: 24 bits, so at most 16,777,215 (§4.1). */
  readonly length: number;
  readonly typeCode: number;
  readonly type: FrameTypeName;
  readonly flags: number;
  /** 31 bits; the reserved high bit is ignored, as §4.1 says a receiver must. */
  readonly streamId: number;
}

/** A payload the frame's type does not allow (each is a connection or stream error in §6). */
export type FrameViolation =
  | "stream_id_must_be_zero"
  | "stream_id_must_not_be_zero"
  | "wrong_payload_length"
  | "padding_exceeds_payload"
  | "settings_ack_with_payload"
  | "zero_window_increment";

export interface FrameRecord {
  readonly direction: Direction;
  readonly type: FrameTypeName;
  readonly typeCode: number;
  readonly streamId: number;
  readonly flags: string[];
  readonly length: number;
  /** Milliseconds since the scanner's clock started, when it has one. */
  readonly atMs?: number;
  /** RST_STREAM and GOAWAY (§6.4, §6.8). */
  readonly errorCode?: string;
  /** SETTINGS (§6.5.2), by parameter name, in the order sent (a repeated parameter: the last value). */
  readonly settings?: Record<string, number>;
  /** GOAWAY (§6.8). */
  readonly lastStreamId?: number;
  /** WINDOW_UPDATE (§6.9). */
  readonly windowIncrement?: number;
  /** GOAWAY: the first MAX_DEBUG_DATA_BYTES of the debug data, one character per byte (latin1). */
  readonly debugData?: string;
  readonly violation?: FrameViolation;
  /** The payload was larger than the scanner buffers: only the header was read. */
  readonly payloadSkipped?: true;
}

/** The 9-byte header at `offset`, or null when fewer than 9 bytes are there. */
export function parseFrameHeader(bytes: Uint8Array, offset = 0): FrameHeader | null {
  if (bytes.length - offset < FRAME_HEADER_BYTES) return null;
  const at = (index: number): number => bytes[offset + index] ?? 0;
  const typeCode = at(3);
  return {
    length: (at(0) << 16) | (at(1) << 8) | at(2),
    typeCode,
    type: frameTypeName(typeCode),
    flags: at(4),
    streamId: ((at(5) & 0x7f) << 24) | (at(6) << 16) | (at(7) << 8) | at(8),
  };
}

/** Frames that belong to the connection, not to a stream (§6.5, §6.7, §6.8), and those that need a stream. */
const CONNECTION_ONLY: ReadonlySet<FrameTypeName> = new Set(["SETTINGS", "PING", "GOAWAY"]);
const STREAM_ONLY: ReadonlySet<FrameTypeName> = new Set([
  "DATA",
  "HEADERS",
  "PRIORITY",
  "RST_STREAM",
  "PUSH_PROMISE",
  "CONTINUATION",
]);

/** Payload lengths fixed by §6.3, §6.4, §6.7, §6.9. */
const FIXED_LENGTH: Partial<Record<FrameTypeName, number>> = {
  PRIORITY: 5,
  RST_STREAM: 4,
  PING: 8,
  WINDOW_UPDATE: 4,
};

/**
 * The record of one frame. `payload` is the whole payload, or null when it was not buffered
 * (then only header facts are recorded).
 */
export function describeFrame(
  direction: Direction,
  header: FrameHeader,
  payload: Uint8Array | null,
  atMs?: number,
): FrameRecord {
  const base = {
    direction,
    type: header.type,
    typeCode: header.typeCode,
    streamId: header.streamId,
    flags: flagNames(header.type, header.flags),
    length: header.length,
    ...(atMs !== undefined ? { atMs } : {}),
  };
  if (CONNECTION_ONLY.has(header.type) && header.streamId !== 0)
    return { ...base, violation: "stream_id_must_be_zero" };
  if (STREAM_ONLY.has(header.type) && header.streamId === 0)
    return { ...base, violation: "stream_id_must_not_be_zero" };
  const fixed = FIXED_LENGTH[header.type];
  if (fixed !== undefined && header.length !== fixed) return { ...base, violation: "wrong_payload_length" };
  if (payload === null) return { ...base, payloadSkipped: true };
  const view = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  switch (header.type) {
    case "RST_STREAM":
      return { ...base, errorCode: errorCodeName(view.readUInt32BE(0)) };
    case "SETTINGS":
      return { ...base, ...describeSettings(header, view) };
    case "GOAWAY":
      if (view.length < 8) return { ...base, violation: "wrong_payload_length" };
      return {
        ...base,
        lastStreamId: view.readUInt32BE(0) & 0x7fffffff,
        errorCode: errorCodeName(view.readUInt32BE(4)),
        debugData: view.subarray(8, 8 + MAX_DEBUG_DATA_BYTES).toString("latin1"),
      };
    case "WINDOW_UPDATE": {
      const windowIncrement = view.readUInt32BE(0) & 0x7fffffff;
      // §6.9: an increment of 0 is a PROTOCOL_ERROR (of the stream, or of the connection on stream 0).
      return windowIncrement === 0
        ? { ...base, windowIncrement, violation: "zero_window_increment" }
        : { ...base, windowIncrement };
    }
    case "DATA":
    case "HEADERS":
    case "PUSH_PROMISE":
      return paddingOf(header, view) === null ? { ...base, violation: "padding_exceeds_payload" } : base;
    default:
      return base;
  }
}

function describeSettings(header: FrameHeader, view: Buffer): Pick<FrameRecord, "settings" | "violation"> {
  // §6.5: an ACK carries nothing; otherwise the payload is 6-byte entries.
  if ((header.flags & FLAGS.ACK) !== 0) return view.length === 0 ? {} : { violation: "settings_ack_with_payload" };
  if (view.length % 6 !== 0) return { violation: "wrong_payload_length" };
  const settings: Record<string, number> = {};
  for (let offset = 0; offset < view.length; offset += 6) {
    settings[settingName(view.readUInt16BE(offset))] = view.readUInt32BE(offset + 2);
  }
  return { settings };
}

/** Bytes of padding (the Pad Length octet included) of a PADDED frame, 0 if unpadded; null when it overflows (§6.1). */
function paddingOf(header: FrameHeader, payload: Uint8Array): number | null {
  if ((header.flags & FLAGS.PADDED) === 0) return 0;
  const padLength = payload[0];
  if (padLength === undefined) return null;
  return padLength + 1 > payload.length ? null : padLength + 1;
}

/** The content of a DATA frame without its padding (§6.1), or null when the padding is invalid. */
export function dataContent(header: FrameHeader, payload: Uint8Array): Uint8Array | null {
  const padding = paddingOf(header, payload);
  if (padding === null) return null;
  const start = padding > 0 ? 1 : 0;
  return payload.subarray(start, payload.length - (padding > 0 ? padding - 1 : 0));
}

/**
 * The header block fragment of a HEADERS, PUSH_PROMISE or CONTINUATION frame (§6.2, §6.6, §6.10):
 * the payload without padding, priority fields or promised stream id. Null when those do not fit.
 */
export function headerBlockFragment(header: FrameHeader, payload: Uint8Array): Uint8Array | null {
  if (header.typeCode === FRAME_TYPES.CONTINUATION) return payload;
  const padding = paddingOf(header, payload);
  if (padding === null) return null;
  let start = padding > 0 ? 1 : 0;
  if (header.typeCode === FRAME_TYPES.HEADERS && (header.flags & FLAGS.PRIORITY) !== 0) start += 5;
  if (header.typeCode === FRAME_TYPES.PUSH_PROMISE) start += 4;
  const end = payload.length - (padding > 0 ? padding - 1 : 0);
  return start > end ? null : payload.subarray(start, end);
}
