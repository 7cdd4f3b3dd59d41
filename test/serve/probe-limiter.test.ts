/**
 * The bound on concurrent probes: slots, a short first-come-first-served queue, refusals.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ProbeLimiter } from "../../src/serve/probe-limiter.js";

const never = new AbortController().signal;

test("limiter: up to `concurrency` at once, then a queue, then refusals", async () => {
  const limiter = new ProbeLimiter(2, 1);
  const first = await limiter.acquire(1_000, never);
  const second = await limiter.acquire(1_000, never);
  assert.ok(first && second);
  assert.equal(limiter.inFlight, 2);
  const third = limiter.acquire(10_000, never);
  assert.equal(limiter.queued, 1);
  assert.equal(await limiter.acquire(10_000, never), null, "the queue is full: refused at once");
  first();
  const granted = await third;
  assert.ok(granted, "the freed slot goes to the first in line");
  assert.equal(limiter.inFlight, 2);
  assert.equal(limiter.queued, 0);
  second();
  granted();
  assert.equal(limiter.inFlight, 0);
});

test("limiter: a waiter whose wait runs out is refused and leaves the queue", async () => {
  const limiter = new ProbeLimiter(1, 4);
  const held = await limiter.acquire(1_000, never);
  assert.equal(await limiter.acquire(10, never), null);
  assert.equal(limiter.queued, 0);
  held?.();
  assert.ok(await limiter.acquire(10, never), "the slot is free again");
});

test("limiter: an abandoned scrape leaves the queue at once", async () => {
  const limiter = new ProbeLimiter(1, 4);
  const held = await limiter.acquire(1_000, never);
  const controller = new AbortController();
  const waiting = limiter.acquire(60_000, controller.signal);
  controller.abort();
  assert.equal(await waiting, null);
  assert.equal(limiter.queued, 0);
  held?.();
  assert.equal(limiter.inFlight, 0, "nobody was handed the slot");
});

test("limiter: no queue, or no time to wait, or an aborted signal: refused at once", async () => {
  const noQueue = new ProbeLimiter(1, 0);
  const held = await noQueue.acquire(1_000, never);
  assert.equal(await noQueue.acquire(1_000, never), null);
  held?.();
  const busy = new ProbeLimiter(1, 4);
  await busy.acquire(1_000, never);
  assert.equal(await busy.acquire(0, never), null);
  assert.equal(await new ProbeLimiter(1, 4).acquire(1_000, AbortSignal.abort()), null);
});

test("limiter: releasing twice frees one slot, not two", async () => {
  const limiter = new ProbeLimiter(1, 0);
  const release = await limiter.acquire(1_000, never);
  release?.();
  release?.();
  assert.equal(limiter.inFlight, 0);
  assert.ok(await limiter.acquire(1_000, never));
  assert.equal(await limiter.acquire(1_000, never), null);
});
