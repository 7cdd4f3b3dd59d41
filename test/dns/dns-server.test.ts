import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { Resolver } from "node:dns/promises";
import { after, before, describe, test } from "node:test";
import { type DnsServer, startDnsServer } from "../../src/lab/dns-server.js";

function resolverFor(server: DnsServer): Resolver {
  const resolver = new Resolver({ timeout: 2_000, tries: 1 });
  resolver.setServers([server.address]);
  return resolver;
}

async function rejectionCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code: string }).code;
  }
  assert.fail("expected the query to fail");
}

describe("the loopback DNS server", () => {
  let server: DnsServer;
  let resolver: Resolver;

  before(async () => {
    server = await startDnsServer({
      "site.test": { A: ["192.0.2.10", "192.0.2.11"], AAAA: ["2001:db8::10"] },
      "v4only.test": { A: ["192.0.2.20"] },
      "www.site.test": { CNAME: "site.test" },
      "chain.site.test": { CNAME: "www.site.test" },
      "away.site.test": { CNAME: "elsewhere.example" },
      "loop-a.test": { CNAME: "loop-b.test" },
      "loop-b.test": { CNAME: "loop-a.test" },
      "mapped.test": { AAAA: ["::ffff:192.0.2.30"] },
    });
    resolver = resolverFor(server);
  });
  after(() => server.close());

  test("binds loopback on a free port", () => {
    assert.match(server.address, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(server.port, 0);
  });

  test("answers A and AAAA", async () => {
    assert.deepEqual(await resolver.resolve4("site.test"), ["192.0.2.10", "192.0.2.11"]);
    assert.deepEqual(await resolver.resolve6("site.test"), ["2001:db8::10"]);
    assert.deepEqual(await resolver.resolve6("mapped.test"), ["::ffff:192.0.2.30"]);
  });

  test("compares names without regard to case, and accepts a trailing dot", async () => {
    assert.deepEqual(await resolver.resolve4("SiTe.TEST"), ["192.0.2.10", "192.0.2.11"]);
    assert.deepEqual(await resolver.resolve4("v4only.test."), ["192.0.2.20"]);
  });

  test("follows a CNAME chain inside the zone and answers the CNAME itself", async () => {
    assert.deepEqual(await resolver.resolve4("chain.site.test"), ["192.0.2.10", "192.0.2.11"]);
    assert.deepEqual(await resolver.resolveCname("www.site.test"), ["site.test"]);
    assert.deepEqual(await resolver.resolveCname("away.site.test"), ["elsewhere.example"]);
  });

  test("NXDOMAIN for an unknown name, NODATA for a known name without the type", async () => {
    assert.equal(await rejectionCode(resolver.resolve4("missing.test")), "ENOTFOUND");
    assert.equal(await rejectionCode(resolver.resolve6("v4only.test")), "ENODATA");
    assert.equal(await rejectionCode(resolver.resolveCname("site.test")), "ENODATA");
    assert.equal(await rejectionCode(resolver.resolveTxt("site.test")), "ENODATA");
  });

  test("a CNAME to a name outside the zone, or a CNAME loop, yields no address", async () => {
    // c-ares resolves a CNAME-only answer to an empty list rather than ENODATA.
    const noAddresses = (name: string) => resolver.resolve4(name).catch(() => []);
    assert.deepEqual(await noAddresses("away.site.test"), []);
    assert.deepEqual(await noAddresses("loop-a.test"), []);
  });

  test("records what it was asked", async () => {
    await resolver.resolve4("v4only.test");
    assert.ok(server.queries.includes("v4only.test A"));
  });

  test("survives malformed packets and still answers", async () => {
    const client = createSocket("udp4");
    const replies: Buffer[] = [];
    // Three of the packets parse far enough to deserve an error answer; the rest are dropped.
    const threeReplies = new Promise<void>((resolve) =>
      client.on("message", (message) => {
        replies.push(message);
        if (replies.length === 3) resolve();
      }),
    );
    const garbage = [
      Buffer.alloc(0),
      Buffer.from([1, 2, 3]),
      Buffer.alloc(12, 0xff),
      // a query header claiming one question, with a label running past the end
      Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0x3f, 0x61]),
      // a compression pointer in the question
      Buffer.from([0x12, 0x35, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1]),
      // opcode 2 (STATUS)
      Buffer.from([0x12, 0x36, 0x10, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]),
    ];
    for (const packet of garbage) {
      await new Promise<void>((resolve, reject) =>
        client.send(packet, server.port, "127.0.0.1", (error) => (error ? reject(error) : resolve())),
      );
    }
    // The server is still alive: a good query after the garbage is answered.
    assert.deepEqual(await resolver.resolve4("v4only.test"), ["192.0.2.20"]);
    await threeReplies;
    client.close();
    // The parseable ones got an error response with the query's ID: FORMERR (1) or NOTIMP (4).
    const rcodes = replies.map((reply) => [reply.readUInt16BE(0), reply.readUInt16BE(2) & 0xf]);
    assert.deepEqual(rcodes.sort(), [
      [0x1234, 1],
      [0x1235, 1],
      [0x1236, 4],
    ]);
  });

  test("SERVFAIL and REFUSED modes", async () => {
    for (const [mode, code] of [
      ["servfail", "ESERVFAIL"],
      ["refused", "EREFUSED"],
    ] as const) {
      const broken = await startDnsServer({ "site.test": { A: ["192.0.2.10"] } }, { mode });
      try {
        assert.equal(await rejectionCode(resolverFor(broken).resolve4("site.test")), code);
      } finally {
        await broken.close();
      }
    }
  });

  test("rejects a zone with an address of the wrong family", async () => {
    await assert.rejects(async () => startDnsServer({ "bad.test": { A: ["2001:db8::1"] } }), /not an A address/);
  });
});
