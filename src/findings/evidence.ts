/**
 * Evidence keys are declared per finding code (catalogue.ts) with a kind from this small
 * vocabulary, so that three things follow from one declaration: the TypeScript type a check must
 * fill in, the JSON Schema of the report (report/schema.ts turns kinds into zod), and redaction
 * (only `wire` values can carry bytes an origin sent, header values included: redact.ts looks at
 * those and nothing else). A trailing `?` means the value may be null.
 */
export type EvidenceKind =
  | "string"
  | "string?"
  | "number"
  | "number?"
  | "boolean"
  | "boolean?"
  | "string[]"
  | "number[]"
  /** Bytes as received from the wire (latin1, one character per byte): may hold header values. */
  | "wire"
  | "wire?"
  | "wire[]";

export type EvidenceShape = Readonly<Record<string, EvidenceKind>>;

type ValueOfKind<K extends EvidenceKind> = K extends "string" | "wire"
  ? string
  : K extends "string?" | "wire?"
    ? string | null
    : K extends "number"
      ? number
      : K extends "number?"
        ? number | null
        : K extends "boolean"
          ? boolean
          : K extends "boolean?"
            ? boolean | null
            : K extends "string[]" | "wire[]"
              ? readonly string[]
              : K extends "number[]"
                ? readonly number[]
                : never;

/** The evidence object a shape describes: every key present, null where the shape allows it. */
export type EvidenceOf<S extends EvidenceShape> = { readonly [K in keyof S]: ValueOfKind<S[K]> };

/** Evidence values are plain JSON so that the report is one self-contained document. */
export type EvidenceValue = string | number | boolean | null | readonly string[] | readonly number[];
export type Evidence = Readonly<Record<string, EvidenceValue>>;

export function isWireKind(kind: EvidenceKind): boolean {
  return kind === "wire" || kind === "wire?" || kind === "wire[]";
}
