/**
 * Origins that fail in patterns (issue 11): what the n-th request an origin receives gets, as
 * a pure function of n (counted over the origin's life, from 0) and of the address it came to.
 * A pattern repeats, so a lab left running keeps its rate whichever request a series starts at.
 */
import { type Reply, rawResponse } from "../lab-origins.js";

export type PatternName = "one-in-four" | "bursts" | "slower-and-slower" | "one-bad-member";

export interface PatternAnswer {
  /** How long the origin waits, once it has read the request, before it answers. */
  readonly delayMs: number;
  readonly reply: Reply;
  /** Whether this answer is one the CDN would fail (what the origin's counters count). */
  readonly fails: boolean;
}

export interface Pattern {
  readonly description: string;
  /** Loopback addresses served on one port; more than one makes a name with several A records. */
  readonly hosts: readonly string[];
  answer(n: number, host: string): PatternAnswer;
}

const BODY = "hello from the diag520 lab\n";
const healthy: Reply = {
  bytes: rawResponse(
    "HTTP/1.1 200 OK",
    ["Content-Type: text/plain", `Content-Length: ${BODY.length}`, "Connection: close"],
    BODY,
  ),
  after: "close",
};
const emptyReply: Reply = { bytes: "", after: "close" };
const reset: Reply = { bytes: "", after: "reset" };

const answered = (delayMs = 0): PatternAnswer => ({ delayMs, reply: healthy, fails: false });
const failing = (reply: Reply): PatternAnswer => ({ delayMs: 0, reply, fails: true });

/** Delays of the answered part of a slower-and-slower cycle (each about double the last), in ms. */
export const SLOWING_DELAYS_MS: readonly number[] = [0, 10, 20, 40, 80, 160];
/** Failures at the end of a slower-and-slower cycle. */
export const SLOWING_FAILURES = 6;
/** The four members of one-bad-member, and the bad one. */
export const MEMBER_HOSTS: readonly string[] = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"];
export const BAD_MEMBER = "127.0.0.4";

export const PATTERNS: Readonly<Record<PatternName, Pattern>> = {
  "one-in-four": {
    description: "every 4th request gets an empty reply (one broken worker in a pool of four)",
    hosts: ["127.0.0.1"],
    answer: (n) => (n % 4 === 3 ? failing(emptyReply) : answered()),
  },
  bursts: {
    description: "3 requests in a row out of every 10 are reset (a rate limit that trips, then resets)",
    hosts: ["127.0.0.1"],
    answer: (n) => (n % 10 >= 3 && n % 10 <= 5 ? failing(reset) : answered()),
  },
  "slower-and-slower": {
    description: `each answer slower than the last (${SLOWING_DELAYS_MS.join(", ")} ms), then ${SLOWING_FAILURES} empty replies, and again`,
    hosts: ["127.0.0.1"],
    answer: (n) => {
      const step = n % (SLOWING_DELAYS_MS.length + SLOWING_FAILURES);
      const delay = SLOWING_DELAYS_MS[step];
      return delay === undefined ? failing(emptyReply) : answered(delay);
    },
  },
  "one-bad-member": {
    description: `four addresses (${MEMBER_HOSTS[0]} to ${MEMBER_HOSTS.at(-1)}) on one port behind one name; ${BAD_MEMBER} resets every request`,
    hosts: MEMBER_HOSTS,
    answer: (_, host) => (host === BAD_MEMBER ? failing(reset) : answered()),
  },
};
