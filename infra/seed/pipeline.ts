/**
 * The seed's pipeline: instead of one phase after another (every account, then every job, then
 * every application…), each item starts as soon as what it needs exists — a job once its hirer is
 * signed in, an application once its job is posted and its worker signed in, a hirer's decision
 * once every application of that job is in. What bounds the work is the service that does it:
 * a {@link Lane} is a bound on requests in flight to one service, shared by every stage that calls
 * it, and it serves later stages first (so the pipeline drains instead of piling up at its end).
 * A {@link Stage} counts one kind of item (ok, failed, when its first started and its last ended)
 * and prints progress.
 */
import { PhaseFailed } from './pool.js'

/**
 * A bound on tasks in flight (one service's share of the seed), handing free slots to the
 * highest priority waiting, first come first served within a priority.
 */
export class Lane {
  private running = 0
  private readonly waiting: Array<{ priority: number; seq: number; start: () => void }> = []
  private seq = 0

  /** @param limit - most tasks in flight (≥ 1) */
  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a lane needs a limit ≥ 1 (got ${limit})`)
  }

  /** Run `task` once a slot is free; higher `priority` goes first (default 0). */
  async run<R>(task: () => Promise<R>, priority = 0): Promise<R> {
    if (this.running >= this.limit) {
      await new Promise<void>((start) => {
        this.waiting.push({ priority, seq: this.seq++, start })
        this.waiting.sort((a, b) => b.priority - a.priority || a.seq - b.seq)
      })
    } else {
      this.running++
    }
    try {
      return await task()
    } finally {
      const next = this.waiting.shift()
      // The slot passes to the next task as it is: `running` counts it still.
      if (next) next.start()
      else this.running--
    }
  }
}

/** Options of {@link Stage}. */
export interface StageOptions {
  /** Label in progress lines and errors, e.g. `applications`. */
  name: string
  /** Items it will be given (for progress and the failure budget). */
  total: number
  /** Give up (start no more and fail the seed) after this many failures (default 5 %, at least 5). */
  maxFailures?: number
}

/** One kind of item of the seed: counts, timing, the first errors. */
export class Stage {
  readonly name: string
  readonly total: number
  readonly maxFailures: number
  ok = 0
  failed = 0
  /** Items not started because the stage gave up, or because what they need failed. */
  skipped = 0
  readonly errors: string[] = []
  /** When the first item started and the last ended (epoch ms). */
  first?: number
  last?: number

  constructor(options: StageOptions) {
    this.name = options.name
    this.total = options.total
    this.maxFailures = options.maxFailures ?? Math.max(5, Math.ceil(options.total * 0.05))
  }

  /** Whether more than {@link maxFailures} items failed. */
  get gaveUp(): boolean {
    return this.failed > this.maxFailures
  }

  /** Milliseconds from the first start to the last end (0 when nothing ran). */
  get ms(): number {
    return this.first === undefined || this.last === undefined ? 0 : this.last - this.first
  }

  /**
   * Run one item: its result, or undefined when it failed (counted, its message kept) or was not
   * started because the stage gave up.
   */
  async do<R>(task: () => Promise<R>): Promise<R | undefined> {
    if (this.gaveUp) {
      this.skipped++
      return undefined
    }
    this.first ??= Date.now()
    try {
      const result = await task()
      this.ok++
      return result
    } catch (err) {
      this.failed++
      if (this.errors.length < 5) this.errors.push((err as Error).message)
      return undefined
    } finally {
      this.last = Date.now()
    }
  }

  /** An item that will not run because what it needs is missing. */
  skip(): void {
    this.skipped++
  }

  /** `name  done/total  rate/s` as runPhase prints it. */
  progressLine(now = Date.now()): string {
    const done = this.ok + this.failed
    const rate = done / Math.max((now - (this.first ?? now)) / 1000, 0.001)
    return (
      `[seed] ${this.name.padEnd(12)} ${String(done).padStart(5)}/${this.total}` +
      `  ${rate.toFixed(1)}/s${this.failed ? `  ${this.failed} failed` : ''}`
    )
  }

  /** @throws PhaseFailed when the stage gave up (the message lists the first errors) */
  check(): void {
    if (this.gaveUp)
      throw new PhaseFailed(
        `${this.name}: ${this.failed} failures, giving up. First errors:\n  ${this.errors.join('\n  ')}`,
      )
  }
}

/**
 * Print a progress line for each stage that moved, every `everyMs`, until the returned stop is
 * called (which prints the final line of each stage that moved since).
 */
export function reportProgress(
  stages: readonly Stage[],
  log: (line: string) => void,
  everyMs = 2_000,
): () => void {
  const shown = new Map<Stage, number>()
  const tick = () => {
    for (const s of stages) {
      const done = s.ok + s.failed
      if (done === (shown.get(s) ?? 0)) continue
      shown.set(s, done)
      log(s.progressLine())
    }
  }
  const timer = setInterval(tick, everyMs)
  timer.unref()
  return () => {
    clearInterval(timer)
    tick()
  }
}
