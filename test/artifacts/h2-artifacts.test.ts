/**
 * The HTTP/2 leg in every artefact, from a real diagnosis of a node:http2 origin on loopback that
 * sends a session cookie and echoes the request's token in its body: the report validates, the
 * HAR gets an `h2` entry that is valid HAR 1.2 with the frames, and no secret survives redaction
 * in the JSON, the HAR, the Markdown or the terminal report. The SSL-mode table is in both reports.
 */
import assert from "node:assert/strict";
import { createSecureServer, type Http2SecureServer } from "node:http2";
import { after, before, describe, test } from "node:test";
import { buildHar } from "../../src/artifacts/har.js";
import { renderMarkdownReport } from "../../src/artifacts/markdown-report.js";
import { exitCodeFor } from "../../src/cli/exit-code.js";
import { type Diagnosis, diagnose } from "../../src/diagnose.js";
import { generateLabCertificates } from "../../src/lab/certificates.js";
import { DEFAULTS } from "../../src/options.js";
import { renderHuman } from "../../src/render/human.js";
import { plainStyle } from "../../src/render/style.js";
import { listen, shutdown } from "../support/loopback-server.js";
import { assertValidReport } from "../support/valid-report.js";
import { harErrors } from "./har-validator.js";

const HOSTNAME = "h2-artifacts.test";
const TOKEN = "h2-s3cr3t-bearer-token-77";
const SESSION = "h2-s3cr3t-session-88";
const certificates = generateLabCertificates([HOSTNAME]);

let server: Http2SecureServer;
let port: number;

before(async () => {
  server = createSecureServer(
    { key: certificates.valid.keyPem, cert: certificates.valid.chainPem, allowHTTP1: true },
    (request, response) => {
      const body = `token was ${String(request.headers.authorization ?? "")}\n`;
      response.writeHead(200, {
        "content-type": "text/plain",
        "set-cookie": `sid=${SESSION}; Path=/; HttpOnly`,
        "content-length": Buffer.byteLength(body),
      });
      response.end(body);
    },
  );
  port = await listen(server);
});
after(() => shutdown(server));

function run(redact: readonly string[] | null): Promise<Diagnosis> {
  return diagnose(
    {
      hostname: HOSTNAME,
      displayHostname: HOSTNAME,
      origin: "127.0.0.1",
      scheme: "https",
      port,
      path: "/",
      method: "GET",
      headers: [["Authorization", `Bearer ${TOKEN}`]],
      userAgent: DEFAULTS.userAgent,
    },
    {
      timeoutMs: 5_000,
      maxTimeMs: null,
      maxHeaderSize: DEFAULTS.maxHeaderSize,
      maxBodyBytes: DEFAULTS.maxBodyBytes,
      extraCaPem: [certificates.caPem],
      // The hostname is not in any zone: the legs connect to --origin, resolution only informs.
      dnsServers: ["127.0.0.1:9"],
      redact,
    },
  );
}

const ENV = { version: "0.1.0", node: "v20", os: "linux", nowUtc: "now", sourceAddress: null };

describe("the HTTP/2 leg in the artefacts", () => {
  test("the report carries the leg, with what ALPN selected and the frames", async () => {
    const { report } = await run([]);
    assertValidReport(report);
    const leg = report.legs["origin-h2"];
    assert.deepEqual(
      leg?.phases.map((phase) => [phase.name, phase.status]),
      [
        ["tcp", "passed"],
        ["tls", "passed"],
        ["http2", "passed"],
      ],
    );
    const tls = leg?.phases.find((phase) => phase.name === "tls");
    assert.deepEqual(tls?.name === "tls" ? [tls.facts?.alpnOffered, tls.facts?.alpn] : null, [
      ["h2", "http/1.1"],
      "h2",
    ]);
    const http2 = leg?.phases.find((phase) => phase.name === "http2");
    const facts = http2?.name === "http2" ? http2.facts : null;
    assert.equal(facts?.exchange.response?.status, 200);
    assert.ok(facts?.exchange.frames.some((frame) => frame.direction === "received" && frame.type === "HEADERS"));
    assert.equal(report.target.http2ToOrigin, true);
    assert.equal(report.target.sslMode, "strict");
  });

  test("the HAR has an entry per leg, the h2 one valid HAR 1.2 with httpVersion h2 and its frames", async () => {
    const diagnosis = await run([]);
    const har = buildHar(diagnosis);
    assert.deepEqual(harErrors(har), []);
    assert.deepEqual(
      har.log.entries.map((entry) => entry.request.httpVersion),
      ["HTTP/1.1", "h2"],
    );
    const h2 = har.log.entries[1];
    assert.equal(h2?.response.httpVersion, "h2");
    assert.equal(h2?.response.status, 200);
    assert.ok((h2?.request.headersSize ?? 0) > 0, "HPACK bytes of the request's HEADERS");
    assert.ok(h2?.request.headers.some((header) => header.name === ":authority"));
    assert.ok((h2?._http2Frames?.length ?? 0) > 0);
    // The body, redacted as the HTTP/1.1 leg's is: the origin echoed the token.
    assert.equal(h2?.response.content.text, "token was [REDACTED]\n");
  });

  test("no secret survives redaction in any artefact; without redaction they are there", async () => {
    const redacted = await run([]);
    const texts = (diagnosis: Diagnosis) => ({
      json: JSON.stringify(diagnosis.report),
      har: JSON.stringify(buildHar(diagnosis)),
      markdown: renderMarkdownReport(diagnosis.report, { ...ENV, exitCode: exitCodeFor([diagnosis.report]) }),
      terminal: renderHuman(diagnosis.report, plainStyle),
    });
    for (const [artefact, text] of Object.entries(texts(redacted))) {
      for (const secret of [TOKEN, SESSION]) assert.ok(!text.includes(secret), `${secret} in the ${artefact}`);
    }
    const plain = JSON.stringify(buildHar(await run(null)));
    for (const secret of [TOKEN, SESSION]) assert.ok(plain.includes(secret), `${secret} unredacted`);
  });

  test("both reports show the verdict per SSL mode and the h2 leg's phases", async () => {
    const { report } = await run([]);
    const markdown = renderMarkdownReport(report, { ...ENV, exitCode: exitCodeFor([report]) });
    assert.match(markdown, /## SSL modes/);
    assert.match(markdown, /\| Full \(strict\) \| ✅ works \|/);
    assert.match(
      markdown,
      /\| Flexible \| not tested \|.*`diag520 h2-artifacts\.test --origin 127\.0\.0\.1 --ssl-mode flexible`/,
    );
    assert.match(markdown, /\| origin-h2 http2 \| passed \|/);
    assert.match(
      markdown,
      /## HTTP\/2 to the origin\n\nOffered ALPN `h2, http\/1\.1` as the edge does; the origin selected `h2`/,
    );
    assert.match(markdown, /received HEADERS stream=1 END_HEADERS/);
    assert.match(markdown, /set-cookie: \[REDACTED\]/);
    const terminal = renderHuman(report, plainStyle);
    assert.match(terminal, /SSL modes, as far as this run's evidence reaches/);
    assert.match(terminal, /✓ Full \(strict\) \(this run\) +ok/);
    assert.match(terminal, /origin-h2 leg: ALPN h2, http\/1\.1/);
  });
});
