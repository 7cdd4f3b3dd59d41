/**
 * A list that keeps its first and its last entries and counts the ones in between: a flood of
 * DATA or PING frames must neither grow memory nor push out the GOAWAY that ends a connection.
 */
export class BoundedLog<T> {
  readonly #head: T[] = [];
  readonly #tail: T[] = [];
  readonly #headCapacity: number;
  readonly #tailCapacity: number;
  #dropped = 0;

  /** Keeps at most `capacity` entries: the first half and the last half. */
  constructor(capacity: number) {
    const kept = Math.max(0, Math.floor(capacity));
    this.#headCapacity = Math.ceil(kept / 2);
    this.#tailCapacity = kept - this.#headCapacity;
  }

  push(entry: T): void {
    if (this.#head.length < this.#headCapacity) {
      this.#head.push(entry);
      return;
    }
    this.#tail.push(entry);
    if (this.#tail.length > this.#tailCapacity) {
      this.#tail.shift();
      this.#dropped += 1;
    }
  }

  /** The kept entries in order; `dropped` of them were left out between the first and the last half. */
  entries(): T[] {
    return [...this.#head, ...this.#tail];
  }

  get dropped(): number {
    return this.#dropped;
  }
}
