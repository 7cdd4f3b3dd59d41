/**
 * Redaction, end to end: the secrets travel for real (in the request's headers, and back from
 * origins that set a cookie or echo what they were sent), and none may reach an artefact (the
 * JSON report, the HAR, the Markdown report, the terminal report, the curl line, the body)
 * unless redaction is off. Redaction touches only the fields that carry wire bytes: identifiers,
 * enums and evidence of other kinds stay exact, whatever the secret's value.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { buildHar, type HarBytes } from "../../src/artifacts/har.js";
import { renderMarkdownReport } from "../../src/artifacts/markdown-report.js";
import { reproduceCommand } from "../../src/artifacts/reproduce-command.js";
import { exitCodeFor } from "../../src/cli/exit-code.js";
import type { Diagnosis } from "../../src/diagnose.js";
import { FINDING_CATALOGUE, type FindingCode } from "../../src/findings/catalogue.js";
import { type EvidenceKind, isWireKind } from "../../src/findings/evidence.js";
import { renderHuman } from "../../src/render/human.js";
import { plainStyle } from "../../src/render/style.js";
import { redactDiagnosis } from "../../src/report/redact-report.js";
import { REDACTED } from "../../src/report/redaction.js";
import type { Report } from "../../src/report/schema.js";
import { harErrors } from "../artifacts/har-validator.js";
import { diagnoseScripted, type ScriptedAnswer, startScriptedOrigin } from "../support/scripted-origin.js";
import { assertValidReport, validated } from "../support/valid-report.js";
import {
  EXTRA_REDACTED,
  FIXTURE_NAMES,
  type FixtureName,
  type Fixtures,
  SECRET_HEADERS,
  SECRETS,
  startFixtures,
} from "./report-fixtures.js";

let fixtures: Fixtures;
before(async () => {
  fixtures = await startFixtures();
  await fixtures.diagnoseAll();
});
after(() => fixtures.close());

function decoded(bytes: HarBytes | undefined): string {
  return bytes?.encoding === "base64"
    ? Buffer.from(bytes.text ?? "", "base64").toString("latin1")
    : (bytes?.text ?? "");
}

/** Every artefact a user can produce from a diagnosis, as text to search. */
function artefacts({ report, bodies }: Diagnosis): Record<string, string> {
  const har = buildHar({ report, bodies });
  const entry = har.log.entries[0];
  const env = { version: "0.1.0", node: "v20", os: "linux", nowUtc: "now", sourceAddress: null };
  return {
    json: JSON.stringify(report),
    har: JSON.stringify(har),
    "HAR body": decoded(entry?.response.content),
    "HAR raw response": decoded(entry?._rawResponse),
    markdown: renderMarkdownReport(report, { ...env, exitCode: exitCodeFor([report]) }),
    "terminal report": renderHuman(report, plainStyle),
    curl: report.reproduce.curl,
    body: bodies.origin?.toString("latin1") ?? "",
    "body (UTF-8)": bodies.origin?.toString("utf8") ?? "",
  };
}

function assertNoSecret(diagnosis: Diagnosis, secrets: readonly string[], label: string): void {
  for (const [artefact, text] of Object.entries(artefacts(diagnosis))) {
    for (const secret of secrets) assert.ok(!text.includes(secret), `${secret} found in the ${artefact} of ${label}`);
  }
}

/** The origins that send a Set-Cookie of their own; the first two send SECRETS.setCookie. */
const SETS_COOKIES: ReadonlySet<FixtureName> = new Set(["healthy", "invalidHeader", "headersTooLarge"]);
const SENDS_SESSION: ReadonlySet<FixtureName> = new Set(["healthy", "invalidHeader"]);

describe("every fixture", () => {
  for (const name of FIXTURE_NAMES) {
    test(`${name}: no secret survives in any artefact`, async () => {
      const diagnosis = await fixtures.diagnosis(name);
      assertNoSecret(diagnosis, Object.values(SECRETS), name);
      const expected = ["authorization", "cookie", ...(SETS_COOKIES.has(name) ? ["set-cookie"] : []), "x-api-key"];
      assert.deepEqual(diagnosis.report.redacted, expected);
    });

    test(`${name}: with redaction off, the secrets are there as sent`, async () => {
      const { report } = await fixtures.diagnosis(name, "unredacted");
      // After Host, User-Agent and Accept, before the fields the edge adds.
      assert.deepEqual(report.request.headers.slice(3, 3 + SECRET_HEADERS.length), SECRET_HEADERS);
      for (const secret of [SECRETS.bearer, SECRETS.cookie, SECRETS.apiKey])
        assert.ok(report.reproduce.curl.includes(secret));
      assert.equal(JSON.stringify(report).includes(SECRETS.setCookie), SENDS_SESSION.has(name));
      assert.deepEqual(report.redacted, []);
    });
  }
});

test("without --redact X-Api-Key its value is kept, and the built-in names are still redacted", async () => {
  const diagnosis = await fixtures.diagnose("healthy", { options: { redact: [] } });
  const json = JSON.stringify(diagnosis.report);
  assert.ok(json.includes(SECRETS.apiKey));
  assertNoSecret(diagnosis, [SECRETS.bearer, SECRETS.cookie, SECRETS.setCookie], "healthy");
  assert.deepEqual(diagnosis.report.redacted, ["authorization", "cookie", "set-cookie"]);
});

test("header fields are redacted structurally, names and unrelated values kept", async () => {
  const { report } = await fixtures.diagnosis("healthy");
  const http = report.legs.origin?.phases.find((phase) => phase.name === "http");
  assert.ok(http?.name === "http" && http.facts !== null);
  const { request, response } = http.facts;
  // In a raw head, a redacted value keeps its size: the size is evidence, not the secret.
  assert.match(request.raw, /\r\nAuthorization: \[REDACTED, 31 bytes\]\r\n/);
  assert.match(request.raw, /\r\nCookie: \[REDACTED, 44 bytes\]\r\n/);
  assert.match(request.raw, /\r\nX-Api-Key: \[REDACTED, 17 bytes\]\r\n/);
  assert.match(request.raw, /\r\nX-Trace: visible-value\r\n/);
  assert.deepEqual(report.request.headers.slice(3, 7), [
    ["Authorization", REDACTED],
    ["Cookie", REDACTED],
    ["X-Api-Key", REDACTED],
    ["X-Trace", "visible-value"],
  ]);
  assert.deepEqual(
    response.head?.headers.filter(([name]) => name === "Set-Cookie"),
    [
      ["Set-Cookie", REDACTED],
      ["Set-Cookie", REDACTED],
    ],
  );
  assert.match(
    response.rawHead,
    /\r\nSet-Cookie: \[REDACTED, [\d,]+ bytes\]\r\nSet-Cookie: \[REDACTED, [\d,]+ bytes\]\r\n/,
  );
  assert.match(report.reproduce.curl, /-H 'Authorization: \[REDACTED\]'/);
  assert.match(report.reproduce.curl, /-H 'X-Trace: visible-value'/);
});

test("a secret echoed by the origin in wire evidence is replaced by value", async () => {
  for (const [name, code] of [
    ["http09", "http.missing_headers"],
    ["responseTimeout", "http.response_timeout"],
  ] as const) {
    const plain = await fixtures.diagnosis(name, "unredacted");
    const redacted = await fixtures.diagnosis(name);
    const received = (report: Report) => String(report.findings.find((f) => f.code === code)?.evidence.received);
    assert.ok(received(plain.report).includes(SECRETS.bearer), `${name}: the origin did echo the token`);
    assert.ok(!received(redacted.report).includes(SECRETS.bearer), name);
    assert.match(received(redacted.report), /\[REDACTED(, [\d,]+ bytes)?\]/, name);
  }
});

test("a Set-Cookie value and request secrets echoed in the body are redacted in the body bytes", async () => {
  const plain = await fixtures.diagnosis("healthy", "unredacted");
  const body = plain.bodies.origin?.toString("utf8") ?? "";
  for (const secret of [SECRETS.setCookie, SECRETS.bearer, SECRETS.cookie]) assert.ok(body.includes(secret));
  const redacted = (await fixtures.diagnosis("healthy")).bodies.origin?.toString("utf8") ?? "";
  assert.ok(redacted.startsWith(`<p>welcome \u00e9 \u2014 your session is ${REDACTED}</p>`), "UTF-8 around it intact");
  assert.ok(redacted.includes(`\r\nAuthorization: ${REDACTED}\r\nCookie: ${REDACTED}\r\n`), redacted);
});

test("redactDiagnosis does not mutate its input", async () => {
  const { report, bodies } = await fixtures.diagnosis("healthy", "unredacted");
  const before = JSON.stringify(report);
  const body = Buffer.from(bodies.origin ?? Buffer.alloc(0));
  const redacted = redactDiagnosis(report, bodies, [...EXTRA_REDACTED]);
  assert.equal(JSON.stringify(report), before);
  assert.deepEqual(bodies.origin, body);
  assert.notEqual(JSON.stringify(redacted.report), before);
});

test("the curl line is built from the redacted request, for the address diagnosed or for none", async () => {
  for (const name of ["healthy", "healthyTls", "refused", "noAddress"] as const) {
    const { report } = await fixtures.diagnosis(name);
    assert.equal(report.reproduce.curl, reproduceCommand(report.target, report.request.headers, report.target.address));
  }
  const { report } = await fixtures.diagnosis("noAddress");
  assert.equal(report.target.address, null);
  assert.doesNotMatch(report.reproduce.curl, /--resolve|Host:/);
});

describe("against scripted origins", () => {
  async function diagnoseAnswer(
    answer: (head: string) => ScriptedAnswer,
    headers: ReadonlyArray<readonly [string, string]>,
    redact: readonly string[] | null = [],
  ): Promise<Diagnosis> {
    const origin = await startScriptedOrigin(answer);
    try {
      return await validated(diagnoseScripted(origin, { request: { headers }, options: { redact } }));
    } finally {
      await origin.close();
    }
  }

  const echoAuthorization = (head: string): ScriptedAnswer => ({
    bytes: `HTTP/1.1 200 OK\r\nX-Echo: ${/\r\nAuthorization: ([^\r]*)/.exec(head)?.[1]}\r\nContent-Length: 0\r\n\r\n`,
  });

  // Replacing "1" or "on" everywhere would mangle the report without protecting anything.
  for (const [value, elsewhere] of [
    ["abcde", "kept"],
    ["abcdef", "redacted"],
  ] as const) {
    test(`a ${value.length}-character secret is redacted in its field, and ${elsewhere} where it is echoed`, async () => {
      const { report } = await diagnoseAnswer(echoAuthorization, [["Authorization", value]]);
      const http = report.legs.origin?.phases.find((phase) => phase.name === "http");
      assert.ok(http?.name === "http" && http.facts !== null);
      assert.ok(http.facts.request.raw.includes(`Authorization: [REDACTED, ${value.length} bytes]\r\n`));
      assert.ok(report.reproduce.curl.includes(`'Authorization: ${REDACTED}'`));
      assert.ok(!report.reproduce.curl.includes(value));
      const echoed = elsewhere === "kept" ? value : REDACTED;
      assert.ok(http.facts.response.rawHead.includes(`X-Echo: ${echoed}\r\n`), http.facts.response.rawHead);
      assert.deepEqual(http.facts.response.head?.headers[0], ["X-Echo", echoed]);
      assert.deepEqual(report.redacted, ["authorization"]);
    });
  }

  const folded = (): ScriptedAnswer => ({
    bytes: `HTTP/1.1 200 OK\r\nSet-Cookie: a=${SECRETS.setCookie};\r\n  Path=/; folded-secret-part\r\nX-After: kept\r\nContent-Length: 0\r\n\r\n`,
  });

  test("an obs-fold continuation of a redacted field is redacted in the head", async () => {
    const { report } = await diagnoseAnswer(folded, []);
    const http = report.legs.origin?.phases.find((phase) => phase.name === "http");
    assert.ok(http?.name === "http" && http.facts !== null);
    assert.ok(
      http.facts.response.rawHead.includes(
        "Set-Cookie: [REDACTED, 26 bytes]\r\n  [REDACTED, 26 bytes]\r\nX-After: kept\r\n",
      ),
      http.facts.response.rawHead,
    );
    assert.ok(!JSON.stringify(http.facts).includes("folded-secret-part"));
    assert.deepEqual(report.redacted, ["set-cookie"]);
  });

  test("an obs-fold continuation of a redacted field is redacted in every artefact", async () => {
    const diagnosis = await diagnoseAnswer(folded, []);
    assert.ok(diagnosis.report.findings.some((f) => f.code === "http.invalid_header"));
    assertNoSecret(diagnosis, [SECRETS.setCookie, "folded-secret-part"], "a folded Set-Cookie");
  });

  test("the curl command carries no secret, even one with a quote in it", async () => {
    const headers = [["Authorization", "Basic it's-a-secret"]] as const;
    const plain = await diagnoseAnswer(echoAuthorization, headers, null);
    assert.ok(plain.report.reproduce.curl.includes("'Authorization: Basic it'\\''s-a-secret'"));
    const redacted = await diagnoseAnswer(echoAuthorization, headers);
    assertNoSecret(redacted, ["secret"], "a quoted secret");
  });

  test("a redacted name matches whatever its case in the request", async () => {
    const diagnosis = await diagnoseAnswer(echoAuthorization, [["x-API-key", SECRETS.apiKey]], ["X-Api-Key"]);
    assertNoSecret(diagnosis, [SECRETS.apiKey], "x-API-key");
    assert.deepEqual(diagnosis.report.redacted, ["x-api-key"]);
  });

  test("Set-Cookie attributes are not secrets: the hostname in Domain= is not redacted elsewhere", async () => {
    const diagnosis = await diagnoseAnswer(
      () => ({
        bytes: `HTTP/1.1 200 OK\r\nSet-Cookie: sid=${SECRETS.setCookie}; Domain=localhost; Path=/account\r\nContent-Length: 0\r\n\r\n`,
      }),
      [],
    );
    const { report } = diagnosis;
    assertNoSecret(diagnosis, [SECRETS.setCookie], "Domain=");
    assert.equal(report.target.hostname, "localhost");
    assert.match(report.reproduce.curl, /'Host: localhost'/);
    const http = report.legs.origin?.phases.find((phase) => phase.name === "http");
    assert.ok(http?.name === "http" && http.facts?.request.raw.includes("\r\nHost: localhost\r\n"));
    assert.deepEqual(report.redacted, ["set-cookie"]);
  });

  test("a secret repeated in another request header is redacted there too", async () => {
    const diagnosis = await diagnoseAnswer(echoAuthorization, [
      ["Authorization", `Bearer ${SECRETS.bearer}`],
      ["X-Debug-Token", SECRETS.bearer],
    ]);
    assertNoSecret(diagnosis, [SECRETS.bearer], "X-Debug-Token");
  });

  test("a secret echoed in the reason phrase is not quoted by the summaries", async () => {
    const diagnosis = await diagnoseAnswer(
      (head) => ({
        bytes: `HTTP/1.1 200 OK ${/\r\nAuthorization: ([^\r]*)/.exec(head)?.[1]}\r\nContent-Length: 0\r\n\r\n`,
      }),
      [["Authorization", `Bearer ${SECRETS.bearer}`]],
    );
    assertNoSecret(diagnosis, [SECRETS.bearer], "the reason phrase");
  });
});

/**
 * Values a secret may happen to equal: a scheme, a leg and a phase status, enums of the http
 * facts, the version, finding codes, addresses, a hostname, a MIME type. Only wire fields may change.
 */
const LOOKALIKES = [
  "https",
  "origin",
  "passed",
  "skipped",
  "complete",
  "content-length",
  "HTTP/1.1",
  "http.empty_reply",
  "tcp.refused",
  "dns.proxied",
  "127.0.0.1",
  "104.16.0.1",
  "localhost",
  "ECONNREFUSED",
  "text/plain",
];
const LOOKALIKE_COOKIE = LOOKALIKES.map((value, index) => `c${index}=${value}`).join("; ");

/** Paths (JSON-pointer style) whose values differ between two documents. */
function changedPaths(before: unknown, after: unknown, path = ""): string[] {
  if (Object.is(before, after)) return [];
  if (typeof before !== "object" || before === null || typeof after !== "object" || after === null) return [path];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].flatMap((key) =>
    changedPaths((before as Record<string, unknown>)[key], (after as Record<string, unknown>)[key], `${path}/${key}`),
  );
}

const WIRE_FIELDS = [
  /^\/request\/headers\/\d+\/1$/,
  /^\/legs\/origin\/phases\/\d+\/facts\/request\/raw$/,
  /^\/legs\/origin\/phases\/\d+\/facts\/response\/rawHead$/,
  /^\/legs\/origin\/phases\/\d+\/facts\/response\/(head|interim\/\d+)\/(statusLine|headers\/\d+\/1)$/,
  /^\/redacted(\/\d+)?$/,
  // The http summary and the healthy verdict quote the status line, so they follow its redaction.
  /^\/legs\/origin\/phases\/\d+\/summary$/,
  /^\/verdict\/summary$/,
];

function isWireField(report: Report, path: string): boolean {
  if (WIRE_FIELDS.some((pattern) => pattern.test(path))) return true;
  const evidence = /^\/findings\/(\d+)\/evidence\/([^/]+)(\/\d+)?$/.exec(path);
  const code = report.findings[Number(evidence?.[1])]?.code as FindingCode | undefined;
  if (evidence === null || code === undefined) return false;
  const kind = (FINDING_CATALOGUE[code].evidence as Readonly<Record<string, EvidenceKind>>)[evidence[2] ?? ""];
  return kind !== undefined && isWireKind(kind);
}

describe("secrets that look like identifiers", () => {
  for (const name of FIXTURE_NAMES) {
    test(`${name}: only wire fields change, and every artefact stays valid`, async () => {
      const headers = [...SECRET_HEADERS, ["Cookie", LOOKALIKE_COOKIE]] as const;
      const [plain, diagnosed] = await Promise.all([
        fixtures.diagnose(name, { request: { headers }, options: { redact: null } }),
        fixtures.diagnose(name, { request: { headers } }),
      ]);
      // Both ways redaction runs: on a report kept unredacted, and inside diagnose().
      const redacted = redactDiagnosis(plain.report, plain.bodies, [...EXTRA_REDACTED]);
      const outside = changedPaths(plain.report, redacted.report).filter((path) => !isWireField(plain.report, path));
      assert.deepEqual(outside, []);
      for (const diagnosis of [redacted, diagnosed]) {
        assertValidReport(diagnosis.report, `${name}, redacted`);
        assert.deepEqual(harErrors(buildHar(diagnosis)), []);
        assert.equal(diagnosis.report.target.scheme, plain.report.target.scheme);
        assert.deepEqual(
          diagnosis.report.findings.map((f) => f.code),
          plain.report.findings.map((f) => f.code),
        );
        assert.deepEqual(diagnosis.report.verdict.decidingFinding, plain.report.verdict.decidingFinding);
      }
    });
  }
});
