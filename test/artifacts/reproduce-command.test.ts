import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { createServer as createTlsServer } from "node:tls";
import { reproduceCommand } from "../../src/artifacts/reproduce-command.js";
import { DEFAULTS, type DiagnoseRequest } from "../../src/options.js";

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

const CASES: { name: string; request: Partial<DiagnoseRequest>; address: string | null; expected: string }[] = [
  {
    name: "https pins the address with --resolve and keeps the hostname in the URL",
    request: {},
    address: "203.0.113.7",
    expected: `${PREFIX} --resolve example.com:443:203.0.113.7 -A 'Mozilla 5.0' https://example.com:443/login`,
  },
  {
    name: "http uses the Host-header form",
    request: { scheme: "http", port: 80 },
    address: "203.0.113.7",
    expected: `${PREFIX} -H 'Host: example.com' -A 'Mozilla 5.0' http://203.0.113.7:80/login`,
  },
  {
    name: "http on another port names the port in Host",
    request: { scheme: "http", port: 8080 },
    address: "203.0.113.7",
    expected: `${PREFIX} -H 'Host: example.com:8080' -A 'Mozilla 5.0' http://203.0.113.7:8080/login`,
  },
  {
    name: "IPv6 in brackets inside --resolve",
    request: { port: 8443 },
    address: "2001:db8::7",
    expected: `${PREFIX} --resolve 'example.com:8443:[2001:db8::7]' -A 'Mozilla 5.0' https://example.com:8443/login`,
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
    expected: `${PREFIX} --resolve example.com:443:203.0.113.7 -I -A 'Mozilla 5.0' https://example.com:443/login`,
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
      `${PREFIX} --resolve example.com:443:203.0.113.7 -X POST -A 'Mozilla 5.0' -H 'X-One: 1' ` +
      `-H 'X-Quote: it'\\''s $HOME' -H 'X-Empty;' https://example.com:443/login`,
  },
  {
    name: "no address: curl resolves the hostname itself",
    request: {},
    address: null,
    expected: `${PREFIX} -A 'Mozilla 5.0' https://example.com:443/login`,
  },
  {
    name: "an IP-literal hostname is redirected with --connect-to",
    request: { hostname: "192.0.2.1" },
    address: "203.0.113.7",
    expected: `${PREFIX} --connect-to 192.0.2.1:443:203.0.113.7:443 -A 'Mozilla 5.0' https://192.0.2.1:443/login`,
  },
];

for (const { name, request, address, expected } of CASES) {
  test(name, () => {
    assert.equal(reproduceCommand({ ...BASE, ...request }, address), expected);
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

test("the http command, pasted into sh, makes the same request to the loopback origin", async (t) => {
  if (!(await hasCurl())) return t.skip("curl is not installed");
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    res.end("ok");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;
  const request: DiagnoseRequest = {
    ...BASE,
    scheme: "http",
    port,
    method: "DELETE",
    path: "/a/../b%20c?q=[1]&x={y}",
    headers: [
      ["X-Quote", "it's `id` $(id) $HOME"],
      ["X-Empty", ""],
    ],
    userAgent: DEFAULTS.userAgent,
  };
  const { code, stderr } = await runShell(reproduceCommand(request, "127.0.0.1"));
  assert.equal(code, 0, stderr);
  assert.equal(seen.length, 1);
  const [req] = seen;
  assert.equal(req?.method, "DELETE");
  assert.equal(req?.url, "/a/../b%20c?q=[1]&x={y}");
  assert.equal(req?.headers.host, `example.com:${port}`);
  assert.equal(req?.headers["user-agent"], DEFAULTS.userAgent);
  assert.equal(req?.headers["x-quote"], "it's `id` $(id) $HOME");
  assert.equal(req?.headers["x-empty"], "");
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
  const { code } = await runShell(reproduceCommand({ ...BASE, port }, "127.0.0.1"));
  assert.notEqual(code, 0); // the handshake cannot complete
  assert.deepEqual(servernames, ["example.com"]);
});
