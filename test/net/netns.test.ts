import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  addBlackholeRoute,
  createNetns,
  dropSynsTo,
  type Netns,
  netnsAvailable,
  runInNetns,
  UNREACHABLE_ADDRESS,
} from "../support/netns.js";
import { guardPath } from "../support/paths.js";

/** Connects with its own 1 s timer and prints "timeout", "connected" or the error code. */
const CONNECT = `
const net = require("node:net");
const [host, port] = process.argv.slice(1);
const socket = net.connect(Number(port), host);
const timer = setTimeout(() => { console.log("timeout"); socket.destroy(); }, 1000);
socket.on("connect", () => { console.log("connected"); clearTimeout(timer); socket.destroy(); });
socket.on("error", (error) => { console.log(error.code); clearTimeout(timer); });
`;

const BLACKHOLE_PORT = 9;

describe("network namespaces for real timeouts and unreachable routes", () => {
  let skipReason: string | null = null;
  let netns: Netns | null = null;

  before(async () => {
    skipReason = await netnsAvailable();
    if (skipReason !== null) return;
    netns = await createNetns();
    await dropSynsTo(netns.name, BLACKHOLE_PORT);
    await addBlackholeRoute(netns.name);
    await addBlackholeRoute(netns.name, "198.18.0.2", "prohibit");
  });
  after(() => netns?.remove());

  async function connectInside(host: string, port: number): Promise<string> {
    assert.ok(netns);
    // The guard allows the benchmarking addresses here: the namespace itself keeps them local.
    const env = { ...process.env, DIAG520_TEST_ALLOWED_ADDRESSES: `${UNREACHABLE_ADDRESS},198.18.0.2` };
    const run = await runInNetns(netns.name, ["--import", guardPath, "-e", CONNECT, host, String(port)], {
      env,
      timeoutMs: 20_000,
    });
    assert.equal(run.exitCode, 0, run.stderr);
    return run.stdout.trim();
  }

  test("(a) SYNs dropped by iptables: a real connect timeout", async (t) => {
    if (netns === null) return t.skip(skipReason ?? "no namespace");
    const started = performance.now();
    assert.equal(await connectInside("127.0.0.1", BLACKHOLE_PORT), "timeout");
    assert.ok(performance.now() - started < 15_000);
  });

  test("(b) an unreachable route: EHOSTUNREACH at once", async (t) => {
    if (netns === null) return t.skip(skipReason ?? "no namespace");
    assert.match(await connectInside(UNREACHABLE_ADDRESS, 80), /^E(HOST|NET)UNREACH$/);
  });

  test("(b') a prohibit route: EACCES", async (t) => {
    if (netns === null) return t.skip(skipReason ?? "no namespace");
    assert.equal(await connectInside("198.18.0.2", 80), "EACCES");
  });

  test("other ports on loopback are untouched: refused, as usual", async (t) => {
    if (netns === null) return t.skip(skipReason ?? "no namespace");
    assert.equal(await connectInside("127.0.0.1", BLACKHOLE_PORT + 1), "ECONNREFUSED");
  });

  test("runInNetns kills a process that outlives its timeout", async (t) => {
    if (netns === null) return t.skip(skipReason ?? "no namespace");
    const run = await runInNetns(netns.name, ["-e", "setInterval(() => {}, 1000)"], { timeoutMs: 300 });
    assert.equal(run.timedOut, true);
    assert.equal(run.signal, "SIGKILL");
  });

  test("the namespace is gone after remove()", async (t) => {
    if (skipReason !== null) return t.skip(skipReason);
    const scratch = await createNetns();
    await scratch.remove();
    await assert.rejects(runInNetns(scratch.name, ["-e", "0"]).then((run) => assert.equal(run.exitCode, 0)));
  });
});
