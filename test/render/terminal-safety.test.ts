/**
 * An origin must not be able to drive the reader's terminal (DESIGN.md "The report"; issue 4,
 * point 3). Origins send a status line and a header value with a clear-screen sequence, an OSC
 * window title, a bare CR, backspaces, the C1 CSI byte (0x9b) and the UTF-8 bytes of a bidi
 * override. The human report, with and without colour, shows them escaped and contains no raw
 * control byte except chalk's own SGR colour codes; --json keeps them exactly. Checked twice:
 * renderHuman on in-process diagnoses, and the real binary's stdout.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Diagnosis } from "../../src/diagnose.js";
import { renderHuman } from "../../src/render/human.js";
import { loadStyle, plainStyle } from "../../src/render/style.js";
import { outputDocumentSchema, type Report } from "../../src/report/schema.js";
import { type CliResult, runCli } from "../support/run-cli.js";
import { diagnoseScripted, type ScriptedOrigin, startScriptedOrigin } from "../support/scripted-origin.js";
import { validated } from "../support/valid-report.js";

const CLEAR_SCREEN = "\x1b[2J\x1b[H";
const RETITLE = "\x1b]0;pwned\x07";
/** U+202E RIGHT-TO-LEFT OVERRIDE as UTF-8 bytes, read as latin1 (one character per byte). */
const BIDI_OVERRIDE_BYTES = Buffer.from("\u202e", "utf8").toString("latin1");
const HOSTILE = `${CLEAR_SCREEN}${RETITLE}bare\rcr back\b\b c1\x9b31m bidi${BIDI_OVERRIDE_BYTES}gnp.exe`;

/**
 * Two origins: one whose status line and header break the grammar (error findings whose evidence
 * carries the bytes), and one whose reason phrase and header value use only obs-text (0x80–0xFF),
 * which the edge accepts: a healthy verdict that quotes the reason phrase.
 */
const RESPONSES = {
  invalid: `HTTP/1.1 200 OK ${HOSTILE}\r\nX-Evil: ${HOSTILE}\r\nContent-Length: 2\r\n\r\nok`,
  obsText: `HTTP/1.1 200 OK \x9b31m${BIDI_OVERRIDE_BYTES}evil\r\nX-Obs: \x9b2J${BIDI_OVERRIDE_BYTES}\r\nContent-Length: 2\r\n\r\nok`,
} as const;

type Kind = keyof typeof RESPONSES;
const KINDS = Object.keys(RESPONSES) as Kind[];

/** chalk's own colour codes (Select Graphic Rendition), the only escapes the report may contain. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ESC is the point
const SGR = /\x1b\[[0-9;]*m/g;
/** What must never reach the terminal raw: ESC, BEL, CR, BS, any other C0 but TAB/LF, DEL, C1, bidi controls, and U+FFFD (invalid UTF-8 out). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffd]/;

const origins: Partial<Record<Kind, ScriptedOrigin>> = {};

before(async () => {
  for (const kind of KINDS) origins[kind] = await startScriptedOrigin(() => ({ bytes: RESPONSES[kind] }));
});
after(async () => {
  await Promise.all(Object.values(origins).map((origin) => origin.close()));
});

function originOf(kind: Kind): ScriptedOrigin {
  const origin = origins[kind];
  assert.ok(origin);
  return origin;
}

type Flag = "--no-color" | "--color" | "--json";
const cliRuns = new Map<string, Promise<CliResult>>();

/** The binary's run for one origin and one output flag, started once and shared by the tests that read it. */
function cli(kind: Kind, flag: Flag): Promise<CliResult> {
  const key = `${kind} ${flag}`;
  let run = cliRuns.get(key);
  if (run === undefined) {
    run = runCli([
      "localhost",
      "--origin",
      "127.0.0.1",
      "--port",
      String(originOf(kind).port),
      "--scheme",
      "http",
      // Every finding's evidence, so that the hostile header line is on screen too.
      ...(flag === "--json" ? [] : ["--verbose"]),
      flag,
    ]);
    cliRuns.set(key, run);
  }
  return run;
}

function assertNoRawControl(text: string, label: string): void {
  const found = RAW_CONTROL.exec(text);
  if (found === null) return;
  const around = text.slice(Math.max(0, found.index - 80), found.index + 20);
  assert.fail(
    `${label}: raw U+${found[0].charCodeAt(0).toString(16).padStart(4, "0")} reaches the terminal in ${JSON.stringify(around)}`,
  );
}

/** The invalid origin's bytes, shown escaped where the reader looks: the findings' evidence and the http phase summary. */
function assertInvalidShownEscaped(text: string): void {
  assert.ok(text.includes("\\x1b[2J\\x1b[H"), "the clear-screen sequence is shown escaped");
  assert.ok(text.includes("\\x1b]0;pwned\\x07"), "the OSC title sequence is shown escaped");
  assert.ok(text.includes("\\x9b31m"), "the C1 CSI byte is shown escaped");
  assert.ok(text.includes("\\x08\\x08"), "backspaces are shown escaped");
  const httpPhase = text.split("\n").find((line) => /^\s+\S+ http\s/.test(line));
  assert.ok(httpPhase?.includes("\\x1b[2J"), `the http phase summary is escaped: ${httpPhase}`);
  assert.match(text, /X-Evil: .*\\x1b\[2J/, "the header line is shown in the evidence");
}

/** The obs-text origin's reason phrase, quoted by the healthy verdict, escaped byte by byte. */
function assertReasonShownEscaped(text: string): void {
  const verdict = text.split("\n").find((line) => line.includes("No fault found"));
  assert.ok(verdict?.includes("\\x9b31m"), `the verdict quotes the reason phrase escaped: ${verdict}`);
  assert.ok(verdict?.includes("\\x80"), "the bytes of the bidi override are not reassembled into U+202E");
}

describe("renderHuman, on diagnoses made in-process", () => {
  const diagnoses: Partial<Record<Kind, Diagnosis>> = {};
  before(async () => {
    for (const kind of KINDS) diagnoses[kind] = await validated(diagnoseScripted(originOf(kind)), kind);
  });

  function rendered(kind: Kind, colour: boolean): Promise<string> {
    const report = diagnoses[kind]?.report;
    assert.ok(report);
    // Level 3 (truecolor) paints the most: chalk's codes are stripped, nothing else may remain.
    return (colour ? loadStyle(3) : Promise.resolve(plainStyle)).then((style) =>
      renderHuman(report, style, { width: null, verbose: true }),
    );
  }

  for (const colour of [false, true]) {
    const label = colour ? "in colour" : "without colour";
    it(`escapes a hostile status line and header value (${label})`, async () => {
      const output = await rendered("invalid", colour);
      if (colour) assert.match(output, SGR);
      const text = output.replace(SGR, "");
      assertNoRawControl(text, label);
      assertInvalidShownEscaped(text);
    });

    it(`escapes a reason phrase quoted by a healthy verdict (${label})`, async () => {
      assert.equal(diagnoses.obsText?.report.verdict.ok, true);
      const text = (await rendered("obsText", colour)).replace(SGR, "");
      assertNoRawControl(text, label);
      assertReasonShownEscaped(text);
    });
  }

  it("escapes a display name that reorders text (an IDN shown in Unicode)", async () => {
    const { report } = await validated(
      diagnoseScripted(originOf("obsText"), { request: { displayHostname: "exe\u202egnp.localhost" } }),
    );
    const text = renderHuman(report, plainStyle);
    assertNoRawControl(text, "headline");
    // The second line names what was diagnosed: the display name escaped, the ASCII name beside it.
    assert.match(text.split("\n")[1] ?? "", /exe\\u202egnp\.localhost \(localhost\)/);
  });
});

describe("the real binary's human report", () => {
  // Each run is a process of its own: started together, so that the file waits for the slowest only.
  before(async () => {
    await Promise.all(
      KINDS.flatMap((kind) => (["--no-color", "--color", "--json"] as const).map((flag) => cli(kind, flag))),
    );
  });

  for (const colour of ["--no-color", "--color"] as const) {
    it(`escapes a hostile status line and header value (${colour})`, async () => {
      const run = await cli("invalid", colour);
      assert.equal(run.code, 1, run.stderr);
      assert.equal(run.stderr, "");
      if (colour === "--color") assert.match(run.stdout, SGR, "--color paints");
      // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ESC is the point
      else assert.doesNotMatch(run.stdout, /\x1b/, "--no-color writes no escape at all");
      const text = run.stdout.replace(SGR, "");
      assertNoRawControl(text, colour);
      assertInvalidShownEscaped(text);
    });

    it(`escapes a reason phrase quoted by a healthy verdict (${colour})`, async () => {
      const run = await cli("obsText", colour);
      assert.equal(run.code, 0, run.stdout);
      const text = run.stdout.replace(SGR, "");
      assertNoRawControl(text, colour);
      assertReasonShownEscaped(text);
    });
  }
});

describe("the --json output keeps the hostile bytes exactly", () => {
  it("writes C1 and bidi controls as \\u escapes, so that --json on a terminal is inert too", async () => {
    const run = await cli("obsText", "--json");
    assert.doesNotMatch(run.stdout, /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });

  for (const kind of KINDS) {
    it(`${kind}: JSON.parse gives back the bytes as latin1 characters`, async () => {
      const run = await cli(kind, "--json");
      assert.equal(run.stderr, "");
      // JSON's own escaping covers C0: nothing raw below 0x20 in the document.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
      assert.doesNotMatch(run.stdout, /[\x00-\x09\x0b-\x1f]/);
      const report = outputDocumentSchema.parse(JSON.parse(run.stdout)) as Report;
      const phase = report.legs.origin?.phases.find((p) => p.name === "http");
      assert.ok(phase?.name === "http" && phase.facts?.response.head);
      const sent = RESPONSES[kind];
      const statusLine = sent.slice(0, sent.indexOf("\r\n"));
      assert.equal(phase.facts.response.head.statusLine, statusLine);
      assert.ok(phase.facts.response.rawHead.startsWith(`${statusLine}\r\n`));
      const headerLine = sent.split("\r\n")[1] ?? "";
      if (kind === "invalid") {
        const evidence = report.findings.find((f) => f.code === "http.invalid_header")?.evidence;
        assert.equal(evidence?.line, headerLine);
      } else {
        const [name, value] = phase.facts.response.head.headers[0] ?? [];
        assert.equal(`${name}: ${value}`, headerLine);
      }
    });
  }
});
