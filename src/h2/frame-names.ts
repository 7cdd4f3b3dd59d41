/**
 * The names HTTP/2 gives to the numbers on the wire: frame types (RFC 9113 §6), flags per frame
 * type, error codes (§7) and SETTINGS parameters (§6.5.2), as typed tables. A report names a
 * frame `GOAWAY` with `PROTOCOL_ERROR`, never `0x7` with `1`; numbers no RFC defines keep their
 * value in the name (`UNKNOWN_0x50`), so nothing the origin sent is lost.
 */

export const FRAME_TYPES = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

export type KnownFrameType = keyof typeof FRAME_TYPES;
/** Extension frame types (ALTSVC, ORIGIN, PRIORITY_UPDATE …) are UNKNOWN here; `typeCode` keeps the number. */
export type FrameTypeName = KnownFrameType | "UNKNOWN";

const FRAME_TYPE_BY_CODE = new Map<number, KnownFrameType>(
  Object.entries(FRAME_TYPES).map(([name, code]) => [code, name as KnownFrameType]),
);

export function frameTypeName(code: number): FrameTypeName {
  return FRAME_TYPE_BY_CODE.get(code) ?? "UNKNOWN";
}

export const FLAGS = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

/** The flags each frame type defines (§6.1–§6.10); other bits "MUST be ignored" (§4.1). */
const FLAGS_BY_TYPE = {
  DATA: [
    ["END_STREAM", FLAGS.END_STREAM],
    ["PADDED", FLAGS.PADDED],
  ],
  HEADERS: [
    ["END_STREAM", FLAGS.END_STREAM],
    ["END_HEADERS", FLAGS.END_HEADERS],
    ["PADDED", FLAGS.PADDED],
    ["PRIORITY", FLAGS.PRIORITY],
  ],
  PRIORITY: [],
  RST_STREAM: [],
  SETTINGS: [["ACK", FLAGS.ACK]],
  PUSH_PROMISE: [
    ["END_HEADERS", FLAGS.END_HEADERS],
    ["PADDED", FLAGS.PADDED],
  ],
  PING: [["ACK", FLAGS.ACK]],
  GOAWAY: [],
  WINDOW_UPDATE: [],
  CONTINUATION: [["END_HEADERS", FLAGS.END_HEADERS]],
  UNKNOWN: [],
} as const satisfies Record<FrameTypeName, ReadonlyArray<readonly [string, number]>>;

/** Defined flags by name; any other set bit as hex ("0x2"), since ignoring it is the peer's job, not ours. */
export function flagNames(type: FrameTypeName, flags: number): string[] {
  const names: string[] = [];
  let rest = flags;
  for (const [name, bit] of FLAGS_BY_TYPE[type]) {
    if ((flags & bit) !== 0) {
      names.push(name);
      rest &= ~bit;
    }
  }
  for (let bit = 1; bit <= 0x80; bit <<= 1) {
    if ((rest & bit) !== 0) names.push(`0x${bit.toString(16)}`);
  }
  return names;
}

/** §7. */
export const ERROR_CODES = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

export type ErrorCodeName = keyof typeof ERROR_CODES;

const ERROR_NAME_BY_CODE = new Map<number, ErrorCodeName>(
  Object.entries(ERROR_CODES).map(([name, code]) => [code, name as ErrorCodeName]),
);

/** "Unknown or unsupported error codes MUST NOT trigger any special behavior" (§7): kept as a number. */
export function errorCodeName(code: number): string {
  return ERROR_NAME_BY_CODE.get(code) ?? `UNKNOWN_0x${code.toString(16)}`;
}

/** §6.5.2, plus RFC 8441 §3 (ENABLE_CONNECT_PROTOCOL) and RFC 9218 §2.1 (NO_RFC7540_PRIORITIES), which node sends. */
export const SETTINGS_PARAMETERS = {
  SETTINGS_HEADER_TABLE_SIZE: 0x1,
  SETTINGS_ENABLE_PUSH: 0x2,
  SETTINGS_MAX_CONCURRENT_STREAMS: 0x3,
  SETTINGS_INITIAL_WINDOW_SIZE: 0x4,
  SETTINGS_MAX_FRAME_SIZE: 0x5,
  SETTINGS_MAX_HEADER_LIST_SIZE: 0x6,
  SETTINGS_ENABLE_CONNECT_PROTOCOL: 0x8,
  SETTINGS_NO_RFC7540_PRIORITIES: 0x9,
} as const;

export type SettingName = keyof typeof SETTINGS_PARAMETERS;

const SETTING_NAME_BY_ID = new Map<number, SettingName>(
  Object.entries(SETTINGS_PARAMETERS).map(([name, id]) => [id, name as SettingName]),
);

/** "An endpoint that receives a SETTINGS frame with any unknown or unsupported identifier MUST ignore that setting" (§6.5.2). */
export function settingName(id: number): string {
  return SETTING_NAME_BY_ID.get(id) ?? `SETTINGS_0x${id.toString(16).padStart(4, "0")}`;
}
