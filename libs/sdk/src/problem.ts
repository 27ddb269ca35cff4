/**
 * Problem details as an error. Every Kelmah service (and the gateway) answers 4xx/5xx with
 * `application/problem+json` (RFC 9457), rendered by service-kit's shared handler
 * (libs/service-kit/src/problem.ts): `status`, `title`, `detail`, the catalogue `code` as an
 * extension member, and `errors[]` naming each request field at fault.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */

/** One `errors[]` entry: the field at fault (dotted, `budget.amountMinor`) and why. */
export interface ProblemFieldError {
  field: string
  message: string
  /** Where the field was: `body`, `querystring`, `params`, `headers` (validation errors only). */
  in?: string
}

/** The problem document as sent (extension members kept). */
export interface ProblemDocument {
  type?: string
  title?: string
  status?: number
  detail?: string
  instance?: string
  /** Catalogue code, `<SERVICE>_ERR_<WHAT>` (docs/errors.md). */
  code?: string
  errors?: ProblemFieldError[]
  [extension: string]: unknown
}

/**
 * A refused request: thrown by every SDK call whose answer is not 2xx. `status` is the HTTP
 * status, `code` the catalogue code (e.g. `KIT_ERR_VALIDATION`, `AUTH_ERR_REFRESH_REUSED`;
 * `KELMAH_SDK_ERR_HTTP` when the body was not a problem document), `errors` the fields at fault.
 */
export class KelmahProblem extends Error {
  override readonly name = 'KelmahProblem'
  readonly status: number
  readonly code: string
  readonly title: string
  readonly detail: string | undefined
  readonly errors: ProblemFieldError[]
  /** The whole document, extension members included (`retryAfter`, `available`, …). */
  readonly problem: ProblemDocument
  /** The `Retry-After` header in seconds, when the answer had one (429, 503). */
  readonly retryAfterS: number | undefined
  /** The request's `x-request-id` (quote it when reporting a 5xx). */
  readonly requestId: string | undefined
  /** The refused request's method and path (`POST`, `/api/jobs`), when known. */
  readonly method: string | undefined
  readonly path: string | undefined

  constructor(
    status: number,
    problem: ProblemDocument,
    headers?: Headers,
    request?: { method: string; path: string },
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`)
    this.status = status
    this.problem = problem
    this.code = problem.code ?? 'KELMAH_SDK_ERR_HTTP'
    this.title = problem.title ?? `HTTP ${status}`
    this.detail = problem.detail
    this.errors = Array.isArray(problem.errors) ? problem.errors : []
    const retry = headers?.get('retry-after')
    this.retryAfterS = retry && /^\d+$/.test(retry) ? Number(retry) : undefined
    this.requestId = headers?.get('x-request-id') ?? undefined
    this.method = request?.method
    this.path = request?.path
  }

  /** The entry naming `field`, if any (`err.field('email')?.message`). */
  field(name: string): ProblemFieldError | undefined {
    return this.errors.find((e) => e.field === name)
  }

  /**
   * `POST /api/jobs → 400 KIT_ERR_VALIDATION: <detail> (title: must NOT have fewer than 1
   * characters)` — one line for logs.
   */
  describe(): string {
    const where = this.method && this.path ? `${this.method} ${this.path} → ` : ''
    const fields = this.errors.map((e) => `${e.field}: ${e.message}`).join('; ')
    return `${where}${this.status} ${this.code}: ${this.message}${fields ? ` (${fields})` : ''}`
  }

  /**
   * The problem of a non-2xx `response` (its body is read); `request` names what was refused.
   */
  static async from(response: Response, request?: Request): Promise<KelmahProblem> {
    const text = await response.text().catch(() => '')
    let doc: ProblemDocument = { status: response.status, title: response.statusText || undefined }
    try {
      const parsed: unknown = text ? JSON.parse(text) : undefined
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) doc = parsed as ProblemDocument
    } catch {
      if (text) doc = { ...doc, detail: text.slice(0, 500) }
    }
    const where = request ? { method: request.method, path: new URL(request.url).pathname } : undefined
    return new KelmahProblem(response.status, doc, response.headers, where)
  }
}

/** Whether `err` is a {@link KelmahProblem} (optionally of this `code`). */
export function isProblem(err: unknown, code?: string): err is KelmahProblem {
  return err instanceof KelmahProblem && (code === undefined || err.code === code)
}
