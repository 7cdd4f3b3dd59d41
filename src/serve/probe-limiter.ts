/**
 * Bounds the probes that run at once. A probe beyond the bound waits in a short queue, first
 * come first served, for at most the time it is given; when the queue is full, or its wait runs
 * out, or its scrape is abandoned, it is refused (the exporter answers 503, and Prometheus
 * records `up 0` for the exporter's answer rather than a false fact about the target).
 */

export type Release = () => void;

interface Waiter {
  readonly grant: (release: Release | null) => void;
}

export class ProbeLimiter {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    readonly concurrency: number,
    readonly queueLength: number,
  ) {}

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** A slot (call the release once the probe is done), or null when refused. */
  acquire(maxWaitMs: number, signal: AbortSignal): Promise<Release | null> {
    if (signal.aborted) return Promise.resolve(null);
    if (this.running < this.concurrency) return Promise.resolve(this.take());
    if (this.waiting.length >= this.queueLength || maxWaitMs <= 0) return Promise.resolve(null);
    return new Promise((resolve) => {
      const finish = (release: Release | null) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        resolve(release);
      };
      const waiter: Waiter = { grant: finish };
      const leave = () => {
        const index = this.waiting.indexOf(waiter);
        if (index !== -1) this.waiting.splice(index, 1);
        finish(null);
      };
      const onAbort = () => leave();
      const timer = setTimeout(leave, maxWaitMs);
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private take(): Release {
    this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      // The freed slot goes straight to the first in line.
      const next = this.waiting.shift();
      if (next !== undefined) next.grant(this.take());
    };
  }
}
