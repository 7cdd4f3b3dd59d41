/**
 * The origin gets the request the edge would send: the visitor's Host (never the origin's port),
 * Accept-Encoding overwritten, and the edge's own fields, among them a CF-Ray that the report
 * names so that the origin's logs can be searched for it. Each is overridable; --no-edge-headers
 * sends the visitor's request only; --host-header stands for an Origin Rule that rewrites Host.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parseCommandLine } from "../../src/cli/command-line.js";
import { diagnose } from "../../src/diagnose.js";
import { answer, type RawOrigin, startRawOrigin } from "../support/raw-origin.js";

const heads: string[] = [];
let origin: RawOrigin;

before(async () => {
  origin = await startRawOrigin((socket) => {
    let head = "";
    socket.on("data", (chunk: Buffer) => {
      head += chunk.toString("latin1");
      if (head.includes("\r\n\r\n")) heads.push(head);
    });
    answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", (s) => s.end())(socket);
  });
});
after(() => origin.close());

/** Diagnoses the origin from a command line and returns what the origin received, field by field. */
async function received(extra: readonly string[]) {
  const command = await parseCommandLine(
    ["www.example.test", "--origin", `127.0.0.1:${origin.port}`, "--scheme", "http", "--timeout", "5", ...extra],
    {},
  );
  assert.ok(command.kind === "diagnose");
  const before = heads.length;
  const { report } = await diagnose(command.request, { ...command.options, dnsServers: ["127.0.0.1:9"] });
  const head = heads[before] ?? "";
  const fields = new Map(
    head
      .split("\r\n")
      .slice(1)
      .filter((line) => line.includes(":"))
      .map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]),
  );
  return { report, head, fields };
}

describe("the request the origin gets", () => {
  test("is the edge's: the visitor's Host without the origin's port, and the edge's fields", async () => {
    const { report, fields } = await received([]);
    assert.equal(fields.get("host"), "www.example.test");
    assert.equal(fields.get("accept-encoding"), "br, gzip");
    assert.equal(fields.get("x-forwarded-proto"), "https");
    assert.equal(fields.get("cf-visitor"), '{"scheme":"https"}');
    assert.equal(fields.get("cdn-loop"), "cloudflare");
    assert.equal(fields.get("cf-connecting-ip"), fields.get("x-forwarded-for"));
    assert.match(fields.get("cf-ray") ?? "", /^[0-9a-f]{16}-DIAG$/);
    // The Ray ID the origin logged is the one the report names.
    const ray = report.request.headers.find(([name]) => name === "CF-Ray")?.[1];
    assert.equal(ray, fields.get("cf-ray"));
  });

  test("each field the user gives wins over the edge's", async () => {
    const { fields } = await received(["--header", "X-Forwarded-Proto: http", "--header", "Accept-Encoding: identity"]);
    assert.equal(fields.get("x-forwarded-proto"), "http");
    assert.equal(fields.get("accept-encoding"), "identity");
  });

  test("--no-edge-headers: the visitor's request only", async () => {
    const { fields } = await received(["--no-edge-headers"]);
    assert.deepEqual([...fields.keys()], ["host", "user-agent", "accept"]);
  });

  test("--host-header: the Host an Origin Rule would set", async () => {
    const { fields } = await received(["--host-header", "backend.internal:8080"]);
    assert.equal(fields.get("host"), "backend.internal:8080");
  });

  test("every run sends a Ray ID of its own", async () => {
    const first = (await received([])).fields.get("cf-ray");
    const second = (await received([])).fields.get("cf-ray");
    assert.notEqual(first, second);
  });
});
