/**
 * A process-wide bound on DNS queries in flight. Each diagnosis asks two or three questions over
 * UDP at the same moment; 200 diagnoses at once sent ~600 datagrams in one burst, more than a
 * socket's default receive buffer holds (Linux `net.core.rmem_default`, 208 KiB: about 200 small
 * datagrams). The kernel dropped the rest (`RcvbufErrors` in /proc/net/snmp), and c-ares asked
 * again only after its retransmit timeout, a third of the phase deadline (3.3 s by default):
 * every diagnosis waited seconds for a lookup that takes a millisecond. Queued, the same queries
 * all get through in a few milliseconds.
 */

/** Comfortably under the ~200 datagrams a default receive buffer holds, with room for other traffic. */
export const MAX_QUERIES_IN_FLIGHT = 32;

let inFlight = 0;
const waiting: Array<() => void> = [];

/**
 * Runs `query` once a slot is free. A query still waiting when `signal` aborts is never sent: it
 * rejects with `ECANCELLED`, as a query c-ares cancelled would.
 */
export async function withQuerySlot<T>(query: () => Promise<T>, signal: AbortSignal): Promise<T> {
  if (inFlight >= MAX_QUERIES_IN_FLIGHT) await waitForSlot(signal);
  else inFlight++;
  try {
    return await query();
  } finally {
    const next = waiting.shift();
    // The slot passes straight to the next waiter, so the count stays as it is.
    if (next) next();
    else inFlight--;
  }
}

function waitForSlot(signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancelled = (): Error =>
      Object.assign(new Error("DNS query cancelled before it was sent"), { code: "ECANCELLED" });
    if (signal.aborted) {
      reject(cancelled());
      return;
    }
    const granted = (): void => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    };
    const onAbort = (): void => {
      const index = waiting.indexOf(granted);
      if (index >= 0) waiting.splice(index, 1);
      reject(cancelled());
    };
    waiting.push(granted);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
