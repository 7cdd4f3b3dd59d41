/**
 * An internationalised hostname, end to end: DNS, SNI and the Host header carry the punycode
 * form (RFC 5891 §4: only A-labels go on the wire), the person reads the Unicode form.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createServer, type Server, type TLSSocket } from "node:tls";
import { generateLabCertificates } from "../../src/lab/certificates.js";
import { type DnsServer, startDnsServer } from "../../src/lab/dns-server.js";
import { outputDocumentSchema } from "../../src/report/schema.js";
import { runCli } from "../support/run-cli.js";

const UNICODE_NAME = "bücher.lab.diag520.test";
const PUNYCODE_NAME = "xn--bcher-kva.lab.diag520.test";

interface Seen {
  readonly servername: string | false | null;
  readonly head: string;
}

describe("an internationalised hostname", () => {
  let server: Server;
  let dns: DnsServer;
  let directory: string;
  let baseArgs: string[];
  const seen: Seen[] = [];

  before(async () => {
    const certificates = generateLabCertificates([PUNYCODE_NAME]);
    directory = await mkdtemp(join(tmpdir(), "diag520-idn-"));
    const caFile = join(directory, "ca.pem");
    await writeFile(caFile, certificates.caPem);
    dns = await startDnsServer({ [PUNYCODE_NAME]: { A: ["127.0.0.1"] } });

    server = createServer({ key: certificates.valid.keyPem, cert: certificates.valid.chainPem }, (socket) => {
      socket.on("error", () => {});
      let head = "";
      socket.on("data", (chunk: Buffer) => {
        head += chunk.toString("latin1");
        if (!head.includes("\r\n\r\n")) return;
        seen.push({ servername: (socket as TLSSocket).servername, head });
        socket.end("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    baseArgs = ["--port", String(port), "--ca-file", caFile, "--dns-server", dns.address];
  });

  after(async () => {
    server.close();
    await dns.close();
    await rm(directory, { recursive: true, force: true });
  });

  test("goes on the wire as punycode (DNS, SNI, Host) and is shown in Unicode", async () => {
    seen.length = 0;
    const result = await runCli([UNICODE_NAME, ...baseArgs], { env: { NO_COLOR: "1" } });
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);

    assert.ok(dns.queries.includes(`${PUNYCODE_NAME} A`), `DNS asked: ${dns.queries.join(", ")}`);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.servername, PUNYCODE_NAME, "SNI");
    assert.match(seen[0]?.head ?? "", new RegExp(`\r\nHost: ${PUNYCODE_NAME.replaceAll(".", "\\.")}(:\\d+)?\r\n`, "i"));
    assert.doesNotMatch(seen[0]?.head ?? "", /bücher|b\xc3\xbccher/, "no Unicode on the wire");

    // The second line names what was diagnosed, in Unicode with the ASCII form beside it.
    const headline = result.stdout.split("\n")[1] ?? "";
    assert.match(headline, new RegExp(`https://${UNICODE_NAME} \\(${PUNYCODE_NAME}\\)`), headline);
  });

  test("given as punycode, it is still shown in Unicode; --json keeps both forms", async () => {
    const result = await runCli([PUNYCODE_NAME.toUpperCase(), ...baseArgs, "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const doc = outputDocumentSchema.parse(JSON.parse(result.stdout));
    assert.ok(doc.kind === "report");
    assert.equal(doc.target.hostname, PUNYCODE_NAME);
    assert.equal(doc.target.displayHostname, UNICODE_NAME);
  });
});
