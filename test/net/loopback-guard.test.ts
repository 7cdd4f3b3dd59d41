import "../support/loopback-guard.js";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import dns from "node:dns";
import { lookup, Resolver } from "node:dns/promises";
import http from "node:http";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import tls from "node:tls";
import { type DnsServer, startDnsServer } from "../../src/lab/dns-server.js";
import { GUARD_ERROR_CODE, isAllowedAddress } from "../support/loopback-guard.js";
import { createNetns, type Netns, netnsAvailable, netnsExec, runInNetns } from "../support/netns.js";
import { guardPath } from "../support/paths.js";

const NEVER_ROUTED = "192.0.2.1"; // TEST-NET-1, RFC 5737
const guardError = (address: string) => ({
  code: GUARD_ERROR_CODE,
  message: new RegExp(address.replace(/\./g, "\\.")),
});

describe("the loopback guard, in this process", () => {
  test("a TCP connect beyond loopback throws before the socket is used", () => {
    assert.throws(() => net.connect(80, NEVER_ROUTED), guardError(NEVER_ROUTED));
    const socket = new net.Socket();
    assert.throws(() => socket.connect({ port: 80, host: NEVER_ROUTED }), guardError(NEVER_ROUTED));
    assert.equal(socket.connecting, false, "no connect was started");
    socket.destroy();
    assert.throws(() => net.connect({ port: 80, host: "2001:db8::1" }), guardError("2001:db8::1"));
  });

  test("tls and http go through the same connect", () => {
    assert.throws(
      () => tls.connect({ port: 443, host: NEVER_ROUTED, servername: "example.com" }),
      guardError(NEVER_ROUTED),
    );
    assert.throws(() => http.get(`http://${NEVER_ROUTED}/`), guardError(NEVER_ROUTED));
    assert.throws(() => http.get("http://example.com/"), guardError("example.com"));
  });

  test("fetch fails with the guard's error as its cause", async () => {
    await assert.rejects(fetch(`http://${NEVER_ROUTED}/`), (error: Error) => {
      let cause: unknown = error;
      while (cause instanceof Error && (cause as { code?: string }).code !== GUARD_ERROR_CODE) cause = cause.cause;
      return cause instanceof Error;
    });
  });

  test("a connect by name, unless a custom lookup maps it to loopback", async () => {
    assert.throws(() => net.connect(80, "example.com"), guardError("example.com"));
    const server = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const toLoopback = lookupTo("127.0.0.1");
      await new Promise<void>((resolve, reject) => {
        const socket = net.connect({ port, host: "site.test", lookup: toLoopback as never });
        socket.on("connect", () => resolve(socket.destroy() && undefined)).on("error", reject);
      });
      const toOutside = lookupTo(NEVER_ROUTED);
      await new Promise<void>((resolve) => {
        net.connect({ port, host: "site.test", lookup: toOutside as never }).on("error", (error) => {
          assert.equal((error as { code?: string }).code, GUARD_ERROR_CODE);
          resolve();
        });
      });
    } finally {
      server.close();
    }
  });

  test("a UDP send or connect beyond loopback throws", () => {
    const socket = dgram.createSocket("udp4");
    try {
      assert.throws(() => socket.send("x", 53, NEVER_ROUTED), guardError(NEVER_ROUTED));
      assert.throws(() => socket.send(Buffer.from("x"), 0, 1, 53, NEVER_ROUTED), guardError(NEVER_ROUTED));
      assert.throws(() => socket.connect(53, NEVER_ROUTED), guardError(NEVER_ROUTED));
    } finally {
      socket.close();
    }
  });

  test("dns.lookup allows IP literals and localhost only", async () => {
    assert.throws(() => dns.lookup("example.com", () => {}), guardError("example.com"));
    await assert.rejects(lookup("example.com"), guardError("example.com"));
    await assert.rejects(dns.promises.lookup("example.com"), guardError("example.com"));
    assert.equal((await lookup("192.0.2.7")).address, "192.0.2.7");
    assert.equal((await lookup("localhost", { family: 4 })).address, "127.0.0.1");
    assert.throws(() => dns.lookupService(NEVER_ROUTED, 80, () => {}), guardError(NEVER_ROUTED));
  });

  test("every resolve* refuses unless every configured server is loopback, before a query is sent", async () => {
    const promises = new Resolver();
    promises.setServers(["127.0.0.1:53", "192.0.2.53"]);
    const callbacks = new dns.Resolver();
    callbacks.setServers(["[2001:db8::53]:53"]);
    const methods = Object.getOwnPropertyNames(Resolver.prototype).filter(
      (name) => name.startsWith("resolve") || name === "reverse",
    );
    assert.ok(methods.length >= 14, methods.join());
    for (const method of methods) {
      const argument = method === "reverse" ? "192.0.2.9" : "example.com";
      const call = (promises as unknown as Record<string, (name: string) => Promise<unknown>>)[method];
      await assert.rejects(call?.call(promises, argument) ?? Promise.resolve(), guardError("192.0.2.53"), method);
      const callbackCall = (callbacks as unknown as Record<string, (name: string, cb: () => void) => void>)[method];
      assert.throws(() => callbackCall?.call(callbacks, argument, () => {}), guardError("2001:db8::53"), method);
    }
  });

  test("the module-level resolve functions check the system's servers", async () => {
    const saved = dns.getServers();
    dns.setServers([NEVER_ROUTED]);
    try {
      assert.throws(() => dns.resolve4("example.com", () => {}), guardError(NEVER_ROUTED));
      await assert.rejects(dns.promises.resolve6("example.com"), guardError(NEVER_ROUTED));
    } finally {
      dns.setServers(saved);
    }
  });

  test("DIAG520_TEST_ALLOWED_ADDRESSES adds exact addresses", () => {
    const saved = process.env.DIAG520_TEST_ALLOWED_ADDRESSES;
    try {
      assert.equal(isAllowedAddress(NEVER_ROUTED), false);
      process.env.DIAG520_TEST_ALLOWED_ADDRESSES = ` ${NEVER_ROUTED} , 2001:DB8::0:1`;
      assert.equal(isAllowedAddress(NEVER_ROUTED), true);
      assert.equal(isAllowedAddress("2001:db8::1"), true);
      assert.equal(isAllowedAddress("192.0.2.2"), false);
    } finally {
      if (saved === undefined) delete process.env.DIAG520_TEST_ALLOWED_ADDRESSES;
      else process.env.DIAG520_TEST_ALLOWED_ADDRESSES = saved;
    }
  });

  describe("loopback still works", () => {
    let server: DnsServer;
    before(async () => {
      server = await startDnsServer({ "site.test": { A: ["192.0.2.10"] } });
    });
    after(() => server.close());

    test("a resolver on a loopback server", async () => {
      const resolver = new Resolver();
      resolver.setServers([server.address]);
      assert.deepEqual(await resolver.resolve4("site.test"), ["192.0.2.10"]);
    });

    test("TCP to 127.0.0.1, ::1 and localhost", async () => {
      const listener = net.createServer((socket) => socket.end());
      await new Promise<void>((resolve) => listener.listen(0, "::", resolve));
      const { port } = listener.address() as net.AddressInfo;
      try {
        for (const host of ["127.0.0.1", "::1", "localhost", "127.0.0.2"]) {
          await new Promise<void>((resolve, reject) => {
            net
              .connect(port, host)
              .on("connect", function (this: net.Socket) {
                this.destroy();
                resolve();
              })
              .on("error", reject);
          });
        }
      } finally {
        listener.close();
      }
    });
  });
});

/** A custom `lookup` that answers one IPv4 address (as a list when net asks with `all`). */
function lookupTo(address: string) {
  return (_name: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) =>
    options.all ? callback(null, [{ address, family: 4 }]) : callback(null, address, 4);
}

function runNode(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Tries a TCP connect, a DNS query and a UDP send to TEST-NET-1 and prints what happened. */
const REACH_OUT = `
import net from "node:net";
import dgram from "node:dgram";
import { Resolver } from "node:dns/promises";
const results = {};
try { net.connect(80, "192.0.2.1").on("error", () => {}); results.connect = "attempted"; } catch (e) { results.connect = e.code; }
const resolver = new Resolver({ timeout: 200, tries: 1 });
resolver.setServers(["192.0.2.53"]);
results.resolve = await resolver.resolve4("example.com").then(() => "answered", (e) => e.code);
try { dgram.createSocket("udp4").send("x", 53, "192.0.2.54", () => {}); results.udp = "attempted"; } catch (e) { results.udp = e.code; }
console.log(JSON.stringify(results));
setTimeout(() => process.exit(0), 300);
`;

describe("the loopback guard, preloaded into a child process", () => {
  const blockedEverywhere = { connect: GUARD_ERROR_CODE, resolve: GUARD_ERROR_CODE, udp: GUARD_ERROR_CODE };

  test("with --import", async () => {
    const { stdout, stderr } = await runNode(["--import", guardPath, "--input-type=module", "-e", REACH_OUT]);
    assert.deepEqual(JSON.parse(stdout), blockedEverywhere);
    assert.match(stderr, /loopback guard: connect to 192\.0\.2\.1 blocked/);
  });

  test("with NODE_OPTIONS", async () => {
    const env = { ...process.env, NODE_OPTIONS: `--import=${JSON.stringify(guardPath)}` };
    const { stdout } = await runNode(["--input-type=module", "-e", REACH_OUT], env);
    assert.deepEqual(JSON.parse(stdout), blockedEverywhere);
  });

  describe("counting packets inside a network namespace", () => {
    let netns: Netns | null = null;
    let skipReason: string | null = null;
    before(async () => {
      skipReason = await netnsAvailable();
      if (skipReason !== null) return;
      netns = await createNetns();
      // TEST-NET-1 goes to the namespace's own lo, where an OUTPUT rule counts and drops it.
      await netnsExec(netns.name, ["ip", "route", "add", "192.0.2.0/24", "dev", "lo"]);
      await netnsExec(netns.name, ["iptables", "-A", "OUTPUT", "-d", "192.0.2.0/24", "-j", "DROP"]);
    });
    after(() => netns?.remove());

    async function packetsCounted(name: string): Promise<number> {
      const listing = await netnsExec(name, ["iptables", "-L", "OUTPUT", "-v", "-x", "-n"]);
      const rule = listing.split("\n").find((line) => line.includes("192.0.2.0/24"));
      return Number(rule?.trim().split(/\s+/)[0]);
    }

    test("nothing is sent with the guard; the same script without it is counted", async (t) => {
      if (skipReason !== null || netns === null) return t.skip(skipReason ?? "no namespace");
      const guarded = await runInNetns(netns.name, ["--import", guardPath, "--input-type=module", "-e", REACH_OUT], {
        timeoutMs: 20_000,
      });
      assert.deepEqual(JSON.parse(guarded.stdout), blockedEverywhere);
      assert.equal(await packetsCounted(netns.name), 0);

      const unguarded = await runInNetns(netns.name, ["--input-type=module", "-e", REACH_OUT], { timeoutMs: 20_000 });
      assert.equal(JSON.parse(unguarded.stdout).connect, "attempted");
      assert.ok((await packetsCounted(netns.name)) > 0, "the counter does see packets that are sent");
    });
  });
});
