/**
 * Real diagnoses, one per kind of outcome the artefacts must carry, made by running `diagnose()`
 * against the lab (and, for what the lab does not serve, a scripted loopback origin): reports
 * written by hand drifted from what the product really prints. Every request carries the
 * secrets below, and the scripted origins send some back (a Set-Cookie, an echo in the body or
 * in the head): the redaction tests look for each of them in every artefact.
 */
import type { Diagnosis } from "../../src/diagnose.js";
import { startLab } from "../../src/lab/lab.js";
import type { DiagnoseOptions } from "../../src/options.js";
import { diagnoseLabOrigin, type LabDiagnosisOverrides } from "../support/lab-diagnosis.js";
import {
  diagnoseScripted,
  type ScriptedAnswer,
  type ScriptedOrigin,
  startScriptedOrigin,
} from "../support/scripted-origin.js";
import { validated } from "../support/valid-report.js";

export const SECRETS = {
  bearer: "s3cr3t-bearer-token-0123",
  cookie: "s3cr3t-cookie-value-4567",
  apiKey: "k3y-s3cr3t-api-89",
  setCookie: "srv-s3cr3t-session-ABCD",
} as const;

/** What a client with credentials sends; X-Trace is not a secret and must stay visible. */
export const SECRET_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ["Authorization", `Bearer ${SECRETS.bearer}`],
  ["Cookie", `session=${SECRETS.cookie}; theme=dark`],
  ["X-Api-Key", SECRETS.apiKey],
  ["X-Trace", "visible-value"],
];

const FIXTURE_PATH = "/login?next=%2Fhome&flag";

/** `--redact x-API-key`, spelled as a user might: names are matched case-insensitively. */
export const EXTRA_REDACTED = ["x-API-key"] as const;

/** A Set-Cookie with every attribute HAR's cookie object has a field for (RFC 6265 §5.2). */
export const SESSION_COOKIE = `sid=${SECRETS.setCookie}; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly; Secure`;

/** The request's Authorization value, as an origin that echoes it would read it. */
function authorizationOf(requestHead: string): string {
  return /\r\nAuthorization: ([^\r]*)\r\n/i.exec(requestHead)?.[1] ?? "";
}

function withLength(statusLine: string, fields: readonly string[], body: Buffer): Buffer {
  const head = [statusLine, ...fields, `Content-Length: ${body.length}`, "Connection: close", "", ""].join("\r\n");
  return Buffer.concat([Buffer.from(head, "latin1"), body]);
}

/**
 * A hostile head: a field line with NUL and a high byte (invalid: the edge answers 520),
 * backtick runs that try to close a Markdown fence, a terminal escape, Markdown and HTML
 * that would be live outside a code block, and a planted Set-Cookie secret.
 */
const HOSTILE_HEAD =
  "HTTP/1.1 200 OK\r\n" +
  "X-Fence: ```` and ``` \r\n" +
  "Bad Header\u0000Line\u00ff\r\n" +
  "```\r\n" +
  "``````````\r\n" +
  `Set-Cookie: evil=${SECRETS.setCookie}\r\n` +
  "\u001b[31mred\r\n" +
  "[click](http://evil.example/) <script>alert(1)</script>\r\n\r\n";

/** The first bytes of a PNG, not UTF-8 (NUL, 0xFF, a broken UTF-8 pair), around an echoed token. */
/** The HTTP/0.9-style reply to a request head: one line that echoes it, its line ends shown as " | ". */
export function http09Body(requestHead: string): string {
  return `<html><pre>${requestHead.replaceAll("\r\n", " | ")}</pre></html>\n`;
}

export function binaryBodyFor(requestHead: string): Buffer {
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe]),
    Buffer.from(authorizationOf(requestHead), "latin1"),
    Buffer.from([0xc3, 0x28, 0x00]),
  ]);
}

/** The partial head a stalled origin sends before it stops answering; it echoes the token. */
export function partialHeadFor(requestHead: string): string {
  return `HTTP/1.1 200 OK\r\nX-Partial: yes\r\nX-Echo: ${authorizationOf(requestHead)}\r\n`;
}

const SCRIPTS = {
  /** 200: a session cookie, duplicated and oddly spaced fields, a redirect, and a UTF-8 body echoing the request head. */
  healthy: (head: string): ScriptedAnswer => ({
    bytes: withLength(
      "HTTP/1.1 200 OK",
      [
        "Content-Type: text/html; charset=utf-8",
        `Set-Cookie: ${SESSION_COOKIE}`,
        "Set-Cookie: lang=en; Path=/",
        "X-Odd :  spaced  ",
        "Vary: Accept",
        "Vary: Cookie",
        "Location: /next",
      ],
      Buffer.from(`<p>welcome \u00e9 \u2014 your session is ${SECRETS.setCookie}</p><pre>${head}</pre>`, "utf8"),
    ),
  }),
  /** A PNG-like chunked body with the bearer token in its bytes. */
  binaryBody: (head: string): ScriptedAnswer => {
    const body = binaryBodyFor(head);
    return {
      bytes: Buffer.concat([
        Buffer.from("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n", "latin1"),
        Buffer.from(`${body.length.toString(16)}\r\n`, "latin1"),
        body,
        Buffer.from("\r\n0\r\n\r\n", "latin1"),
      ]),
    };
  },
  invalidHeader: (): ScriptedAnswer => ({ bytes: HOSTILE_HEAD }),
  /** Part of a head, then nothing: the phase deadline fires while the head is incomplete. */
  responseTimeout: (head: string): ScriptedAnswer => ({ bytes: partialHeadFor(head), after: "keep-open" }),
  /** No status line (HTTP/0.9 style): the whole request echoed back as HTML. */
  /** One line (diag520 reads a reply that is not HTTP up to its first line end), echoing the request. */
  http09: (head: string): ScriptedAnswer => ({ bytes: http09Body(head) }),
  /** The version in lower case: invalid for the edge, still "HTTP/1.1" in a HAR. */
  lowerCaseVersion: (): ScriptedAnswer => ({
    bytes: "http/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
  }),
} as const;

type ScriptName = keyof typeof SCRIPTS;

type FixtureSource =
  | { readonly lab: string; readonly options?: Partial<DiagnoseOptions> }
  | { readonly script: ScriptName; readonly options?: Partial<DiagnoseOptions> };

/**
 * Each kind of outcome, and where it comes from. The stalled origin gets a short phase deadline:
 * long enough for loopback on a busy machine, short enough to keep a test file fast.
 */
const FIXTURES = {
  healthy: { script: "healthy" },
  healthyTls: { lab: "healthy-https" },
  emptyReply: { lab: "empty-reply" },
  responseTimeout: { script: "responseTimeout", options: { timeoutMs: 750 } },
  invalidHeader: { script: "invalidHeader" },
  binaryBody: { script: "binaryBody" },
  refused: { lab: "connection-refused" },
  headersTooLarge: { lab: "headers-too-large" },
  http09: { script: "http09" },
  lowerCaseVersion: { script: "lowerCaseVersion" },
  noAddress: { lab: "dns-unresolvable" },
} as const satisfies Record<string, FixtureSource>;

export type FixtureName = keyof typeof FIXTURES;
export const FIXTURE_NAMES = Object.keys(FIXTURES) as FixtureName[];

/** Redacted as by default (plus --redact x-API-key), or with redaction off (`--no-redact`). */
export type RedactionMode = "redacted" | "unredacted";

export interface Fixtures {
  readonly origins: Readonly<Record<ScriptName, ScriptedOrigin>>;
  /** The diagnosis of a fixture, run once per mode and file, then shared (never mutate it). */
  diagnosis(name: FixtureName, mode?: RedactionMode): Promise<Diagnosis>;
  /** Runs every fixture in both modes at once, so that a file pays the stalled origin's deadline once. */
  diagnoseAll(): Promise<void>;
  /** A fresh diagnosis of a fixture's origin, with overrides on top of the fixture's request and options (schema-checked). */
  diagnose(name: FixtureName, overrides?: LabDiagnosisOverrides): Promise<Diagnosis>;
  close(): Promise<void>;
}

/** Starts the lab (only the origins the fixtures use) and the scripted origins. */
export async function startFixtures(): Promise<Fixtures> {
  const sources: readonly FixtureSource[] = Object.values(FIXTURES);
  const labNames = sources.flatMap((source) => ("lab" in source ? [source.lab] : []));
  const lab = await startLab({ only: labNames });
  const entries = await Promise.all(
    (Object.keys(SCRIPTS) as ScriptName[]).map(
      async (name) => [name, await startScriptedOrigin(SCRIPTS[name])] as const,
    ),
  ).catch(async (error: unknown) => {
    await lab.close();
    throw error;
  });
  const origins = Object.fromEntries(entries) as Record<ScriptName, ScriptedOrigin>;

  const diagnose = (name: FixtureName, overrides: LabDiagnosisOverrides = {}): Promise<Diagnosis> => {
    const source: FixtureSource = FIXTURES[name];
    const merged: LabDiagnosisOverrides = {
      request: { path: FIXTURE_PATH, headers: SECRET_HEADERS, ...overrides.request },
      options: { redact: [...EXTRA_REDACTED], ...source.options, ...overrides.options },
    };
    const running =
      "lab" in source ? diagnoseLabOrigin(lab, source.lab, merged) : diagnoseScripted(origins[source.script], merged);
    return validated(running, `the ${name} fixture`);
  };
  const cache = new Map<string, Promise<Diagnosis>>();
  const diagnosis = (name: FixtureName, mode: RedactionMode = "redacted"): Promise<Diagnosis> => {
    const key = `${name}/${mode}`;
    let cached = cache.get(key);
    if (cached === undefined) {
      cached = diagnose(name, mode === "redacted" ? {} : { options: { redact: null } });
      cache.set(key, cached);
    }
    return cached;
  };
  return {
    origins,
    diagnose,
    diagnosis,
    async diagnoseAll() {
      await Promise.all(FIXTURE_NAMES.flatMap((name) => [diagnosis(name, "redacted"), diagnosis(name, "unredacted")]));
    },
    async close() {
      await Promise.all([lab.close(), ...entries.map(([, origin]) => origin.close())]);
    },
  };
}
