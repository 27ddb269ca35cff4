/**
 * Running many requests with a bound on how many are in flight, reporting progress, and keeping
 * going past a few failures (a seed of thousands of requests should not die on one) while
 * stopping early when failures pile up (the system is down or the API differs).
 */

/** How a phase went. */
export interface PhaseResult<R> {
  /** Results by input index (undefined where the task failed). */
  results: Array<R | undefined>
  ok: number
  failed: number
  /** The first few failure messages. */
  errors: string[]
  ms: number
}

/** Options of {@link runPhase}. */
export interface PhaseOptions {
  /** Label in progress lines, e.g. `users`. */
  name: string
  /** Most tasks in flight (default 8). */
  concurrency?: number
  /** Print a progress line at most this often, in milliseconds (default 2 000). */
  progressEveryMs?: number
  /** Where lines go (default stdout). */
  log?: (line: string) => void
  /**
   * Give up (stop starting tasks and throw) once this many tasks failed (default: 5 % of the
   * tasks, at least 5).
   */
  maxFailures?: number
}

/** Thrown when a phase saw more failures than it allows. */
export class PhaseFailed extends Error {
  override readonly name = 'PhaseFailed'
}

/**
 * Run `task` over `items` with at most `concurrency` in flight.
 *
 * @throws PhaseFailed when more than `maxFailures` tasks failed (the message lists the first errors)
 */
export async function runPhase<T, R>(
  items: readonly T[],
  task: (item: T, index: number) => Promise<R>,
  options: PhaseOptions,
): Promise<PhaseResult<R>> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`))
  const concurrency = Math.max(1, options.concurrency ?? 8)
  const maxFailures = options.maxFailures ?? Math.max(5, Math.ceil(items.length * 0.05))
  const everyMs = options.progressEveryMs ?? 2_000
  const started = Date.now()
  const results = new Array<R | undefined>(items.length)
  const errors: string[] = []
  let next = 0
  let ok = 0
  let failed = 0
  let lastPrint = started

  const progress = (force = false) => {
    const now = Date.now()
    if (!force && now - lastPrint < everyMs) return
    lastPrint = now
    const done = ok + failed
    const rate = done / Math.max((now - started) / 1000, 0.001)
    log(
      `[seed] ${options.name.padEnd(12)} ${String(done).padStart(5)}/${items.length}` +
        `  ${rate.toFixed(1)}/s${failed ? `  ${failed} failed` : ''}`,
    )
  }

  const worker = async () => {
    while (next < items.length && failed <= maxFailures) {
      const index = next++
      try {
        results[index] = await task(items[index] as T, index)
        ok++
      } catch (err) {
        failed++
        if (errors.length < 5) errors.push((err as Error).message)
      }
      progress()
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  progress(true)
  if (failed > maxFailures) {
    throw new PhaseFailed(
      `${options.name}: ${failed} failures, giving up. First errors:\n  ${errors.join('\n  ')}`,
    )
  }
  return { results, ok, failed, errors, ms: Date.now() - started }
}
