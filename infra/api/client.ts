/**
 * A small HTTP client of Kelmah's public API, as a real client sees it: everything through the
 * gateway, JSON in and out, bearer tokens, problem+json errors. Used by `npm run seed`,
 * `npm run demo` and the end-to-end test — never by the services.
 *
 * It waits out `429 Too Many Requests` (the gateway's rate limits) for as long as `Retry-After`
 * says, retries a `503` from the gateway (the upstream was not reachable, so the request never
 * arrived), and repeats an idempotent request (GET, PUT, PATCH, DELETE) after a 502/504 up to
 * twice; every other status goes back to the caller unchanged.
 */

/** One answer of the API. */
export interface ApiResponse<T = unknown> {
  status: number
  /** Parsed JSON body (a problem+json object on errors), or undefined for an empty body. */
  body: T
  headers: Headers
}

/** Where a call went and what came back, for a printed step of the demo or the seed. */
export interface CallRecord {
  method: string
  path: string
  status: number
  /** Milliseconds from sending to the whole body read (waits for 429/503 included). */
  ms: number
}

/** Thrown when an answer's status is not one the caller expected. */
export class UnexpectedStatus extends Error {
  override readonly name = 'UnexpectedStatus'
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly expected: readonly number[],
    readonly body: unknown,
  ) {
    super(`${method} ${path} answered ${status} (expected ${expected.join(' or ')}): ${describeBody(body)}`)
  }
}

/** A short text of a problem+json body (title, detail, field errors) or any other body. */
export function describeBody(body: unknown): string {
  if (body && typeof body === 'object') {
    const p = body as {
      title?: string
      detail?: string
      code?: string
      errors?: Array<{ field: string; message: string }>
    }
    if (p.title || p.detail) {
      const fields = p.errors?.map((e) => `${e.field} ${e.message}`).join('; ')
      return [p.code, p.detail ?? p.title, fields].filter(Boolean).join(' — ')
    }
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  return (text ?? '').slice(0, 300)
}

/** Options of {@link ApiClient}. */
export interface ApiClientOptions {
  /** The gateway's base URL, e.g. `http://127.0.0.1:5000`. */
  baseUrl: string
  /** How many times one request waits out a 429 or 503 before giving up (default 20). */
  maxRetries?: number
  /** Longest single wait on a 429 whose `Retry-After` is missing or huge, in milliseconds (default 65 000). */
  maxWaitMs?: number
  /** Per-request timeout in milliseconds (default 30 000). */
  timeoutMs?: number
  /** Called after every answer (after retries), e.g. to print it. */
  onResponse?: (record: CallRecord) => void
  /** Called before each wait caused by a 429/503 (ms to wait), e.g. to count or print it. */
  onBackoff?: (record: CallRecord, waitMs: number) => void
}

/** A request to {@link ApiClient.call}. */
export interface CallOptions {
  /** Access token to send as `Authorization: Bearer …`. */
  token?: string
  /** JSON body (serialised with `JSON.stringify`). */
  body?: unknown
  /**
   * A body sent byte for byte as `application/json` instead of `body` — for a signed payload
   * whose signature covers the exact text (a Stripe webhook, infra/stripe-webhook.ts).
   */
  rawBody?: string
  /** Extra request headers, e.g. `Idempotency-Key` or `Stripe-Signature` (lower-case names). */
  headers?: Record<string, string>
  /** Statuses that are not an error (default: any 2xx). Others throw {@link UnexpectedStatus}. */
  expect?: readonly number[]
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE'])

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The HTTP client; one per base URL, shared by every simulated user. */
export class ApiClient {
  readonly baseUrl: string
  readonly #opts: Required<Omit<ApiClientOptions, 'onResponse' | 'onBackoff'>> &
    Pick<ApiClientOptions, 'onResponse' | 'onBackoff'>

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.#opts = {
      baseUrl: this.baseUrl,
      maxRetries: options.maxRetries ?? 20,
      maxWaitMs: options.maxWaitMs ?? 65_000,
      timeoutMs: options.timeoutMs ?? 30_000,
      onResponse: options.onResponse,
      onBackoff: options.onBackoff,
    }
  }

  /**
   * Send one request and return the answer whose status is expected.
   *
   * @throws UnexpectedStatus for any other status (after waiting out 429s and gateway 503s)
   * @throws Error (fetch's) when the gateway cannot be reached at all
   */
  async call<T = unknown>(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
    const started = Date.now()
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers }
    if (options.token) headers.authorization = `Bearer ${options.token}`
    const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body))
    if (payload !== undefined) headers['content-type'] = 'application/json'
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: payload,
        signal: AbortSignal.timeout(this.#opts.timeoutMs),
      })
      const text = await res.text()
      let body: unknown = undefined
      if (text) {
        try {
          body = JSON.parse(text)
        } catch {
          body = text
        }
      }
      const record: CallRecord = { method, path, status: res.status, ms: Date.now() - started }
      const retryable =
        res.status === 429 ||
        (res.status === 503 && isGatewayUnavailable(body)) ||
        // A slow or broken upstream: safe to repeat only for idempotent methods, and only twice.
        ((res.status === 502 || res.status === 504) && IDEMPOTENT.has(method) && attempt < 2)
      if (retryable && attempt < this.#opts.maxRetries) {
        const waitMs = this.#waitFor(res, attempt)
        this.#opts.onBackoff?.(record, waitMs)
        await sleep(waitMs)
        continue
      }
      this.#opts.onResponse?.(record)
      const ok = options.expect ? options.expect.includes(res.status) : res.status >= 200 && res.status < 300
      if (!ok) throw new UnexpectedStatus(method, path, res.status, options.expect ?? [200, 201, 204], body)
      return { status: res.status, body: body as T, headers: res.headers }
    }
  }

  /** Milliseconds to wait before retrying: `Retry-After` (seconds) plus jitter, else a growing delay. */
  #waitFor(res: Response, attempt: number): number {
    const jitter = Math.floor(Math.random() * 250)
    const header = Number(res.headers.get('retry-after'))
    if (Number.isFinite(header) && header > 0) return Math.min(header * 1000, this.#opts.maxWaitMs) + jitter
    return Math.min(250 * 2 ** attempt, this.#opts.maxWaitMs) + jitter
  }
}

/** A 503 the gateway made because the upstream could not be reached (nothing happened upstream). */
function isGatewayUnavailable(body: unknown): boolean {
  return (body as { code?: string } | undefined)?.code === 'GATEWAY_ERR_UPSTREAM_UNAVAILABLE'
}
