/**
 * `LatestWrites`: write-behind of a derived value per key, where only the newest value matters
 * (a conversation's last message and list position, say). A use case notes the value and goes on;
 * at most one write per key is in flight, and values noted meanwhile collapse into one: the newest.
 * Under load, N values noted for one key while a write runs cost one more write, not N.
 *
 * For values derived from a record already committed elsewhere (the message insert is the commit
 * point; the conversation's preview follows it). The write itself must refuse an older value (a
 * guard such as `lastActivityAt <= at`), because another process may write the same key.
 *
 * Reads that must see this process's own writes call {@link LatestWrites.settled} first (read your
 * writes within a process); other processes see them once written, milliseconds later. A crash
 * loses what was noted but not written — the same gap as a crash between the commit and an awaited
 * write, only wider by the queue. {@link LatestWrites.close} writes out everything noted.
 */

/** What a {@link LatestWrites} needs. */
export interface LatestWritesOptions<K, V> {
  /** Write `value` for `key`. Rejections are retried (see `retryDelaysMs`). */
  write: (key: K, value: V) => Promise<void>
  /** True when `next` should replace `queued` (not older than it). */
  supersedes: (next: V, queued: V) => boolean
  /** Called with a write that failed after every retry (the value is dropped). */
  onError: (err: unknown, key: K, value: V) => void
  /** Waits before each retry of a failed write, milliseconds (default `[50, 250, 1000]`). */
  retryDelaysMs?: readonly number[]
  /**
   * Writes in flight at once over all keys (default unlimited). A limit leaves the connection the
   * writes share to other work (an outbox relay): keys wait their turn, and more values collapse.
   */
  maxInFlight?: number
}

/** Per-key write-behind keeping only the newest value (module docs above). */
export class LatestWrites<K, V> {
  readonly #o: LatestWritesOptions<K, V>
  /** Noted and not yet taken by a write, by key. */
  readonly #queued = new Map<K, V>()
  /** The running drain of each key with a write in flight or queued, and the value in flight. */
  readonly #draining = new Map<K, { done: Promise<void>; value: V }>()
  #closing = false
  #failed = 0
  /** Writes running now, over all keys, and the drains waiting for a turn ({@link LatestWritesOptions.maxInFlight}). */
  #running = 0
  readonly #turns: Array<() => void> = []

  constructor(options: LatestWritesOptions<K, V>) {
    this.#o = options
  }

  /**
   * Queue `value` for `key`. Dropped when the value queued or being written for `key` is newer
   * (`supersedes` is false). Never throws.
   */
  note(key: K, value: V): void {
    const entry = this.#draining.get(key)
    const current = this.#queued.get(key) ?? entry?.value
    if (current !== undefined && !this.#o.supersedes(value, current)) return
    this.#queued.set(key, value)
    if (!entry) {
      const started = { done: Promise.resolve(), value }
      this.#draining.set(key, started)
      started.done = this.#drain(key, started)
    }
  }

  /** Keys with a value queued or being written now (a gauge). */
  get pending(): number {
    return this.#draining.size
  }

  /** Writes given up after their retries since this writer was made (a running total). */
  get failed(): number {
    return this.#failed
  }

  /**
   * Resolves once every write queued or in flight now, for keys whose value `which` accepts
   * (all when omitted), is done (written or given up). Never rejects.
   */
  async settled(which?: (key: K, value: V) => boolean): Promise<void> {
    const waits: Promise<void>[] = []
    for (const [key, entry] of this.#draining) {
      const value = this.#queued.get(key) ?? entry.value
      if (!which || which(key, value) || which(key, entry.value)) waits.push(entry.done)
    }
    await Promise.all(waits)
  }

  /** Write out everything noted (for shutdown, before the database closes). Retries are skipped. */
  async close(): Promise<void> {
    this.#closing = true
    while (this.#draining.size > 0) await this.settled()
  }

  async #drain(key: K, entry: { value: V }): Promise<void> {
    // One tick first: notes made in the same turn collapse before the first write.
    await Promise.resolve()
    try {
      for (let value = this.#queued.get(key); value !== undefined; value = this.#queued.get(key)) {
        await this.#turn()
        // The newest value noted while this key waited for its turn.
        const newest = this.#queued.get(key) ?? value
        this.#queued.delete(key)
        entry.value = newest
        try {
          await this.#writeWithRetries(key, newest)
        } finally {
          // The slot passes straight to the next waiter, if any (no one can slip in between).
          const next = this.#turns.shift()
          if (next) next()
          else this.#running--
        }
      }
    } finally {
      this.#draining.delete(key)
    }
  }

  /** Resolves when a write may start: a free slot taken, or one handed over by a finished write. */
  async #turn(): Promise<void> {
    if (this.#running < (this.#o.maxInFlight ?? Infinity)) {
      this.#running++
      return
    }
    await new Promise<void>((resolve) => this.#turns.push(resolve))
  }

  async #writeWithRetries(key: K, value: V): Promise<void> {
    const delays = this.#o.retryDelaysMs ?? [50, 250, 1000]
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#o.write(key, value)
      } catch (err) {
        // A newer value queued meanwhile replaces this one: its write is the retry.
        if (this.#queued.has(key)) return
        if (attempt >= delays.length || this.#closing) {
          this.#failed++
          try {
            this.#o.onError(err, key, value)
          } catch {
            // A reporter that throws must not break the drain (settled() never rejects).
          }
          return
        }
        await new Promise((r) => setTimeout(r, delays[attempt]))
      }
    }
  }
}
