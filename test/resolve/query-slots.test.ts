/**
 * The process-wide bound on DNS queries in flight (resolve/query-slots.ts): never more than
 * MAX_QUERIES_IN_FLIGHT at once, a query cancelled while it waits is never sent, and a burst of
 * resolutions as a batch makes reaches the DNS server whole, with no retransmission.
 */
import "../support/loopback-guard.js";
import assert from "node:assert/strict";
import { test } from "node:test";
import { startDnsServer } from "../../src/lab/dns-server.js";
import { MAX_QUERIES_IN_FLIGHT, withQuerySlot } from "../../src/resolve/query-slots.js";
import { startResolution } from "../../src/resolve/resolve.js";

test("never more than MAX_QUERIES_IN_FLIGHT queries run at once; every one runs", async () => {
  let running = 0;
  let peak = 0;
  const releases: Array<() => void> = [];
  const query = () =>
    new Promise<string>((resolve) => {
      running++;
      peak = Math.max(peak, running);
      releases.push(() => {
        running--;
        resolve("answer");
      });
    });
  const all = Promise.all(Array.from({ length: 100 }, () => withQuerySlot(query, new AbortController().signal)));
  // Release queries one at a time until all 100 have run.
  for (let released = 0; released < 100; released++) {
    while (releases.length === 0) await new Promise((resolve) => setImmediate(resolve));
    releases.shift()?.();
  }
  assert.deepEqual(new Set(await all), new Set(["answer"]));
  assert.equal(peak, MAX_QUERIES_IN_FLIGHT);
});

test("a query cancelled while it waits for a slot is never sent and rejects with ECANCELLED", async () => {
  const releases: Array<() => void> = [];
  const blocking = Array.from({ length: MAX_QUERIES_IN_FLIGHT }, () =>
    withQuerySlot(() => new Promise<void>((resolve) => releases.push(resolve)), new AbortController().signal),
  );
  const controller = new AbortController();
  let sent = false;
  const waiting = withQuerySlot(async () => {
    sent = true;
  }, controller.signal);
  controller.abort();
  await assert.rejects(waiting, { code: "ECANCELLED" });
  for (const release of releases) release();
  await Promise.all(blocking);
  assert.equal(sent, false);
  // The slots are all free again: a new query runs at once.
  assert.equal(await withQuerySlot(async () => "free", new AbortController().signal), "free");
});

test("200 resolutions at once reach the DNS server whole: no datagram dropped, none asked twice", async () => {
  const names = Array.from({ length: 200 }, (_, i) => `t${i}.burst.test`);
  const dns = await startDnsServer(Object.fromEntries(names.map((name) => [name, { A: ["104.16.0.1"] }])));
  try {
    const signal = AbortSignal.timeout(30_000);
    const answers = await Promise.all(
      names.map((name) => startResolution(name, null, { dnsServers: [dns.address], deadlineMs: 10_000 }, signal).done),
    );
    assert.deepEqual(
      answers.filter((answer) => answer.hostname.failure !== null).map((answer) => answer.hostname.name),
      [],
    );
    // A, AAAA and CNAME per name, each asked exactly once, and none waited for c-ares's
    // retransmission (a third of the deadline): a datagram lost on the way would have.
    assert.equal(dns.queries.length, names.length * 3);
    const slowest = Math.max(...answers.map((answer) => answer.durationMs));
    assert.ok(slowest < 10_000 / 3, `the slowest resolution took ${slowest} ms: a query was lost and asked again`);
  } finally {
    await dns.close();
  }
});
