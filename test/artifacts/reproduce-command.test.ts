import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { createServer as createTlsServer } from "node:tls";
import { reproduceCommand } from "../../src/artifacts/reproduce-command.js";
import { buildVisitorRequest, type HeaderField } from "../../src/http/request.js";
import type { DiagnoseRequest } from "../../src/options.js";
import { diagnoseScripted, startScriptedOrigin } from "../support/scripted-origin.js";
import { validated } from "../support/valid-report.js";

const BASE: DiagnoseRequest = {
  hostname: "example.com",
  displayHostname: "example.com",
  origin: null,
  scheme: "https",
  port: 443,
  path: "/login",
  method: "GET",
  headers: [],
  userAgent: "Mozilla 5.0",
};
const PREFIX = "curl -v -sS -o /dev/null --noproxy '*' --globoff --path-as-is";
/** What the origin leg offers over TLS: HTTP/1.1 in ALPN, TLS 1.0–1.3, the edge's ciphers. */
const TLS =
  "--http1.1 --tlsv1.0 --tls-max 1.3 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA:" +
  "AES128-GCM-SHA256:AES128-SHA:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-SHA384:AES256-SHA:" +
  "DES-CBC3-SHA:@SECLEVEL=0 --tls13-ciphers TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

/** The fields as diag520 sends them (Host, User-Agent and Accept first), as the report carries them. */
function sent(request: DiagnoseRequest): readonly HeaderField[] {
  return buildVisitorRequest(request).headers;
}

const CASES: { name: string; request: Partial<DiagnoseRequest>; address: string | null; expected: string }[] = [
  {
    name: "https pins the address with --resolve and keeps the hostname in the URL",
    request: {},
    address: "203.0.113.7",
    expected: `${PREFIX} --resolve example.com:443:203.0.113.7 ${TLS} -A 'Mozilla 5.0' https://example.com:443/login`,
  },
  {
    name: "http uses the Host-header form",
    request: { scheme: "http", port: 80 },
    address: "203.0.113.7",
    expected: `${PREFIX} -H 'Host: example.com' -A 'Mozilla 5.0' http://203.0.113.7:80/login`,
  },
  {
    name: "http on another port keeps the visitor's Host, as the edge sends it",
    request: { scheme: "http", port: 8080 },
    address: "203.0.113.7",
    expected: `${PREFIX} -H 'Host: example.com' -A 'Mozilla 5.0' http://203.0.113.7:8080/login`,
  },
  {
    name: "IPv6 in brackets inside --resolve; the visitor's Host, not the origin port's",
    request: { port: 8443 },
    address: "2001:db8::7",
    expected: `${PREFIX} --resolve 'example.com:8443:[2001:db8::7]' ${TLS} -H 'Host: example.com' -A 'Mozilla 5.0' https://example.com:8443/login`,
  },
  {
    name: "IPv6 in brackets in an http URL",
    request: { scheme: "http", port: 80 },
    address: "::1",
    expected: `${PREFIX} -H 'Host: example.com' -A 'Mozilla 5.0' 'http://[::1]:80/login'`,
  },
  {
    name: "HEAD is -I",
    request: { method: "HEAD" },
    address: "203.0.113.7",
    expected: `${PREFIX} --resolve example.com:443:203.0.113.7 ${TLS} -I -A 'Mozilla 5.0' https://example.com:443/login`,
  },
  {
    name: "another method is -X, user headers in order, an empty value in curl's Name; form",
    request: {
      method: "POST",
      headers: [
        ["X-One", "1"],
        ["X-Quote", "it's $HOME"],
        ["X-Empty", ""],
      ],
    },
    address: "203.0.113.7",
    expected:
      `${PREFIX} --resolve example.com:443:203.0.113.7 ${TLS} -X POST -A 'Mozilla 5.0' -H 'X-One: 1' ` +
      `-H 'X-Quote: it'\\''s $HOME' -H 'X-Empty;' https://example.com:443/login`,
  },
  {
    name: "no address: curl resolves the hostname itself",
    request: {},
    address: null,
    expected: `${PREFIX} ${TLS} -A 'Mozilla 5.0' https://example.com:443/login`,
  },
  {
    name: "no address over http: no Host field either, the URL names the host",
    request: { scheme: "http", port: 80 },
    address: null,
    expected: `${PREFIX} -A 'Mozilla 5.0' http://example.com:80/login`,
  },
  {
    name: "an IP-literal hostname is redirected with --connect-to",
    request: { hostname: "192.0.2.1" },
    address: "203.0.113.7",
    expected: `${PREFIX} --connect-to 192.0.2.1:443:203.0.113.7:443 ${TLS} -A 'Mozilla 5.0' https://192.0.2.1:443/login`,
  },
  {
    name: "an IP-literal http hostname that is the address needs nothing more",
    request: { hostname: "203.0.113.7", scheme: "http", port: 80 },
    address: "203.0.113.7",
    expected: `${PREFIX} -A 'Mozilla 5.0' http://203.0.113.7:80/login`,
  },
  {
    name: "a Host the user set is sent as they set it",
    request: { headers: [["Host", "other.example"]] },
    address: "203.0.113.7",
    expected: `${PREFIX} --resolve example.com:443:203.0.113.7 ${TLS} -H 'Host: other.example' -A 'Mozilla 5.0' https://example.com:443/login`,
  },
  {
    name: "Accept: */* is left to curl, whose default it is; another Accept is sent",
    request: { headers: [["Accept", "application/json"]] },
    address: null,
    expected: `${PREFIX} ${TLS} -A 'Mozilla 5.0' -H 'Accept: application/json' https://example.com:443/login`,
  },
  {
    name: "a User-Agent the user set is -A, whatever its case",
    request: { headers: [["user-agent", "probe/1"]] },
    address: null,
    expected: `${PREFIX} ${TLS} -A probe/1 https://example.com:443/login`,
  },
  {
    name: "redacted values are written as the report carries them",
    request: { headers: [["Authorization", "[REDACTED]"]] },
    address: null,
    expected: `${PREFIX} ${TLS} -A 'Mozilla 5.0' -H 'Authorization: [REDACTED]' https://example.com:443/login`,
  },
];

for (const { name, request, address, expected } of CASES) {
  test(name, () => {
    const full = { ...BASE, ...request };
    assert.equal(reproduceCommand(full, sent(full), address), expected);
  });
}

/** Runs a command line the way a user pasting it would: through sh. */
function runShell(command: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp" };
    const child = execFile("sh", ["-c", command], { env, timeout: 20_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr });
    });
    child.stdin?.end();
  });
}

async function hasCurl(): Promise<boolean> {
  return (await runShell("command -v curl")).code === 0;
}

/** Request line and fields, values without surrounding whitespace (curl writes `Name:` for `Name;`). */
function parseRequestHead(head: string): string[] {
  return head
    .split("\r\n")
    .filter((line) => line !== "")
    .map((line, index) => (index === 0 ? line : line.replace(/^([^:]+):\s*(.*?)\s*$/, "$1: $2")));
}

test("the curl line of a diagnosis, pasted into sh, makes the same request to the origin", async (t) => {
  if (!(await hasCurl())) return t.skip("curl is not installed");
  const origin = await startScriptedOrigin(() => ({ bytes: "HTTP/1.1 204 No Content\r\n\r\n" }));
  t.after(() => origin.close());
  const { report } = await validated(
    diagnoseScripted(origin, {
      request: {
        method: "DELETE",
        path: "/a/../b%20c?q=[1]&x={y}",
        headers: [
          ["X-Quote", "it's `id` $(id) $HOME"],
          ["X-Empty", ""],
        ],
      },
    }),
  );
  const { code, stderr } = await runShell(report.reproduce.curl);
  assert.equal(code, 0, stderr);
  assert.equal(origin.requests.length, 2);
  const [ours, curls] = origin.requests.map((head) => parseRequestHead(head));
  assert.deepEqual(curls, ours);
  assert.equal(ours?.[0], "DELETE /a/../b%20c?q=[1]&x={y} HTTP/1.1");
});

test("the https command sends the real hostname as SNI to the pinned address", async (t) => {
  if (!(await hasCurl())) return t.skip("curl is not installed");
  const servernames: string[] = [];
  // No certificate: the handshake fails after the ClientHello, which is all this test needs.
  const server = createTlsServer({
    SNICallback: (servername, callback) => {
      servernames.push(servername);
      callback(new Error("no certificate in this test"), undefined);
    },
  });
  server.on("tlsClientError", () => {});
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;
  const request = { ...BASE, port };
  const { code } = await runShell(reproduceCommand(request, sent(request), "127.0.0.1"));
  assert.notEqual(code, 0); // the handshake cannot complete
  assert.deepEqual(servernames, ["example.com"]);
});
