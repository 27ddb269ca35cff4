/**
 * The `fetch` the demo and the seed give the SDK (`createKelmah({ fetch })`): it waits out the
 * gateway's `429 Too Many Requests` for as long as `Retry-After` says, retries a `503` the gateway
 * made because the upstream was unreachable (`GATEWAY_ERR_UPSTREAM_UNAVAILABLE`: the request never
 * arrived), and repeats an idempotent request (GET, PUT, PATCH, DELETE) after a 502/504 up to
 * twice. Every other answer goes back to the SDK unchanged (which turns non-2xx into a
 * `KelmahProblem`). A seed of hundreds of users meets the auth rate limit; a person's app would
 * rather show the wait — so this lives here, not in the SDK.
 */

/** Where a call went and what came back, for a printed step of the demo or the seed. */
export interface CallRecord {
  method: string
  /** Path and query, e.g. `/api/jobs?q=react`. */
  path: string
  status: number
  /** Milliseconds from sending to the answer's headers (waits for 429/503 included). */
  ms: number
}

/** Options of {@link patientFetch}. */
export interface PatientFetchOptions {
  /** How many times one request waits out a 429 or 503 before giving up (default 20). */
  maxRetries?: number
  /** Longest single wait on a 429 whose `Retry-After` is missing or huge, ms (default 65 000). */
  maxWaitMs?: number
  /** Per-request timeout, ms (default 30 000). */
  timeoutMs?: number
  /** Called after every answer (after retries), e.g. to print it. */
  onResponse?: (record: CallRecord) => void
  /** Called before each wait caused by a 429/503/502/504 (ms to wait), e.g. to count or print it. */
  onBackoff?: (record: CallRecord, waitMs: number) => void
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE'])

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A 503 the gateway made because the upstream could not be reached (nothing happened upstream). */
async function isGatewayUnavailable(res: Response): Promise<boolean> {
  try {
    const body = (await res.clone().json()) as { code?: string } | undefined
    return body?.code === 'GATEWAY_ERR_UPSTREAM_UNAVAILABLE'
  } catch {
    return false
  }
}

/**
 * A `fetch` that waits out 429s and gateway 503s and repeats idempotent requests after a 502/504.
 *
 * @throws Error (fetch's) when the gateway cannot be reached at all, or a request times out
 */
export function patientFetch(options: PatientFetchOptions = {}): typeof fetch {
  const maxRetries = options.maxRetries ?? 20
  const maxWaitMs = options.maxWaitMs ?? 65_000
  const timeoutMs = options.timeoutMs ?? 30_000
  const waitFor = (res: Response, attempt: number): number => {
    const jitter = Math.floor(Math.random() * 250)
    const header = Number(res.headers.get('retry-after'))
    if (Number.isFinite(header) && header > 0) return Math.min(header * 1000, maxWaitMs) + jitter
    return Math.min(250 * 2 ** attempt, maxWaitMs) + jitter
  }
  return async (input, init) => {
    const original = new Request(input, init)
    const url = new URL(original.url)
    const started = Date.now()
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(new Request(original.clone(), { signal: AbortSignal.timeout(timeoutMs) }))
      const record: CallRecord = {
        method: original.method,
        path: `${url.pathname}${url.search}`,
        status: res.status,
        ms: Date.now() - started,
      }
      const retryable =
        res.status === 429 ||
        (res.status === 503 && (await isGatewayUnavailable(res))) ||
        // A slow or broken upstream: safe to repeat only for idempotent methods, and only twice.
        ((res.status === 502 || res.status === 504) && IDEMPOTENT.has(original.method) && attempt < 2)
      if (retryable && attempt < maxRetries) {
        const waitMs = waitFor(res, attempt)
        await res.body?.cancel()
        options.onBackoff?.(record, waitMs)
        await sleep(waitMs)
        continue
      }
      options.onResponse?.(record)
      return res
    }
  }
}
