/**
 * What people type, accepted as they mean it (issue: "Accept what people type"), in-process: the
 * command line is a pure function of the arguments. The rejected forms are in usage-errors.test.ts.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type ParsedCommand, parseCommandLine } from "../../src/cli/command-line.js";

async function diagnoseCommand(args: readonly string[], env: Record<string, string> = {}) {
  const command: ParsedCommand = await parseCommandLine(args, env);
  assert.equal(command.kind, "diagnose");
  if (command.kind !== "diagnose") throw new Error("unreachable");
  return command;
}

describe("the target", () => {
  test("a URL from the address bar gives scheme, host, port and path (query kept, fragment dropped)", async () => {
    const { request } = await diagnoseCommand(["https://Example.com:8443/login?x=1#top"]);
    assert.deepEqual(
      [request.scheme, request.hostname, request.port, request.path],
      ["https", "example.com", 8443, "/login?x=1"],
    );
  });

  test("a URL without a port takes the scheme's, without a path the root", async () => {
    const { request } = await diagnoseCommand(["http://example.com"]);
    assert.deepEqual([request.scheme, request.port, request.path], ["http", 80, "/"]);
  });

  test("an internationalised name in a URL goes on the wire as punycode and is shown in Unicode", async () => {
    const { request } = await diagnoseCommand(["https://bücher.example/"]);
    assert.deepEqual([request.hostname, request.displayHostname], ["xn--bcher-kva.example", "bücher.example"]);
  });

  test("a URL and flags that agree are fine", async () => {
    const { request } = await diagnoseCommand(["https://example.com:8443/a", "--port", "8443", "--scheme", "HTTPS"]);
    assert.deepEqual([request.scheme, request.port, request.path], ["https", 8443, "/a"]);
  });

  test("localhost needs no dot", async () => {
    const { request } = await diagnoseCommand(["localhost"]);
    assert.equal(request.hostname, "localhost");
  });
});

describe("--origin, --scheme and the request", () => {
  test("--origin address:port and [IPv6]:port set the port", async () => {
    const v4 = await diagnoseCommand(["example.com", "--origin", "203.0.113.7:8443"]);
    assert.deepEqual([v4.request.origin, v4.request.port], ["203.0.113.7", 8443]);
    const v6 = await diagnoseCommand(["example.com", "--origin", "[2001:db8::7]:8443"]);
    assert.deepEqual([v6.request.origin, v6.request.port], ["2001:db8::7", 8443]);
  });

  test("--scheme in any case", async () => {
    const { request } = await diagnoseCommand(["example.com", "--scheme", "HTTP"]);
    assert.deepEqual([request.scheme, request.port], ["http", 80]);
  });

  test("--host-header and --no-edge-headers reach the request", async () => {
    const { request } = await diagnoseCommand([
      "example.com",
      "--host-header",
      "backend.internal",
      "--no-edge-headers",
    ]);
    assert.deepEqual([request.hostHeader, request.edgeHeaders], ["backend.internal", false]);
    const plain = await diagnoseCommand(["example.com"]);
    assert.deepEqual([plain.request.hostHeader, plain.request.edgeHeaders], [null, true]);
  });

  test("deadlines default to the edge's own; --timeout sets one for every phase", async () => {
    assert.equal((await diagnoseCommand(["example.com"])).options.timeoutMs, null);
    assert.equal((await diagnoseCommand(["example.com", "--timeout", "2.5"])).options.timeoutMs, 2_500);
  });

  test("DIAG520_DNS_SERVER acts as --dns-server; the option wins", async () => {
    const fromEnv = await diagnoseCommand(["example.com"], { DIAG520_DNS_SERVER: "127.0.0.1:5353" });
    assert.deepEqual(fromEnv.options.dnsServers, ["127.0.0.1:5353"]);
    const fromFlag = await diagnoseCommand(["example.com", "--dns-server", "127.0.0.2"], {
      DIAG520_DNS_SERVER: "127.0.0.1:5353",
    });
    assert.deepEqual(fromFlag.options.dnsServers, ["127.0.0.2"]);
  });
});

describe("commands", () => {
  test("help and version do what they say", async () => {
    const help = await parseCommandLine(["help"], {});
    assert.ok(help.kind === "print" && /Usage: diag520/.test(help.text));
    const labHelp = await parseCommandLine(["help", "lab"], {});
    assert.ok(labHelp.kind === "print" && /Usage: diag520 lab/.test(labHelp.text));
    assert.deepEqual(await parseCommandLine(["version"], {}), { kind: "version" });
  });

  test("lab takes its own --json and --demo", async () => {
    assert.deepEqual(await parseCommandLine(["lab", "--json"], {}), { kind: "lab", demo: false, json: true });
    assert.deepEqual(await parseCommandLine(["lab", "--demo"], {}), { kind: "lab", demo: true, json: false });
  });
});
