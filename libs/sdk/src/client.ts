/**
 * `createKelmah({ baseUrl })`: the Kelmah API through the gateway. Every call is the generated
 * `openapi-fetch` client (`kelmah.api.GET('/api/jobs/{id}', …)`, types from
 * `src/generated/schema.ts`); this file adds only what HTTP alone makes awkward:
 *
 * - **Sessions**: `auth.login`/`auth.register` keep the token pair; every call sends the access
 *   token; a 401 on a call made with it refreshes the pair once and retries the call once.
 *   Concurrent 401s share one refresh (single flight). A refresh token is sent at most once — the
 *   auth service revokes the whole session when a spent token comes back
 *   (`AUTH_ERR_REFRESH_REUSED`, services/auth/README.md) — so a failed refresh ends the session
 *   instead of retrying it.
 * - **Idempotency keys**: operations that take an `Idempotency-Key` header (listed from the
 *   OpenAPI document in `src/generated/operations.ts`: funding an escrow, a payout) get a fresh
 *   UUID unless the caller passes one; the retry after a refresh keeps the same key.
 * - **Problems**: a non-2xx answer rejects with {@link KelmahProblem}.
 * - **Cursors**: `kelmah.paginate(path, params)` and `kelmah.jobs.list(query)` iterate items
 *   across pages by `nextCursor`.
 * - **The socket**: `kelmah.socket()` (src/socket.ts).
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch'
import { IDEMPOTENT_OPERATIONS } from './generated/operations.js'
import type { paths } from './generated/schema.js'
import { KelmahProblem } from './problem.js'
import { KelmahSocket, type SocketOptions } from './socket.js'

type Json<P extends keyof paths, M extends keyof paths[P], S extends number> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer B } } }
}
  ? B
  : never

type SuccessStatus = 200 | 201 | 202

/**
 * The JSON a successful (2xx) answer of `M path` carries, from the generated types:
 * `ResponseOf<'/api/jobs/{id}', 'get'>` is a job.
 */
export type ResponseOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  responses: infer R
}
  ? R[Extract<keyof R, SuccessStatus>] extends infer A
    ? A extends { content: { 'application/json': infer B } }
      ? B
      : never
    : never
  : never

/** The JSON body `M path` takes: `BodyOf<'/api/jobs', 'post'>` is a new job. */
export type BodyOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  requestBody?: infer Q
}
  ? NonNullable<Q> extends { content: { 'application/json': infer B } }
    ? B
    : never
  : never

/** What `POST /api/auth/login` answers: the user and a token pair. */
export type SignedIn = Json<'/api/auth/login', 'post', 200>

/** The user of a session. */
export type SessionUser = SignedIn['user']

/** A signed-in session: the token pair (and the user, when known). Persist it to stay signed in. */
export interface Session {
  /** ES256 JWT, short-lived (`ACCESS_TOKEN_TTL_S`). */
  accessToken: string
  /** Opaque, single use: each refresh spends it and returns a new one. */
  refreshToken: string
  user?: SessionUser
}

/** Options of {@link createKelmah}. */
export interface KelmahOptions {
  /** The gateway, e.g. `http://127.0.0.1:5000`. */
  baseUrl: string
  /** A session to resume (from storage). */
  session?: Session
  /** Called whenever the session changes (sign-in, rotation, sign-out: `null`); store it here. */
  onSession?: (session: Session | null) => void
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch
  /** The WebSocket constructor for `socket()` (default the global one, else the `ws` package). */
  WebSocket?: SocketOptions['WebSocket']
}

/** GET paths whose 200 answer is a page `{ items, nextCursor }`. */
export type PagedPath = {
  [P in keyof paths]: paths[P] extends {
    get: {
      responses: { 200: { content: { 'application/json': { items: unknown[]; nextCursor: unknown } } } }
    }
  }
    ? P
    : never
}[keyof paths]

type GetOp<P extends PagedPath> = paths[P]['get']
/** The item type of a paged path. */
export type PageItem<P extends PagedPath> =
  GetOp<P>['responses'][200]['content']['application/json']['items'][number]
type Params<P extends PagedPath> = GetOp<P>['parameters']
/** The query of a paged path, without `cursor` (the iterator sets it). */
export type PageQuery<P extends PagedPath> = Omit<NonNullable<Params<P>['query']>, 'cursor'>

/** Parameters of {@link Kelmah.paginate}: the path's own (`path`, `query`), no `cursor`. */
export type PageParams<P extends PagedPath> = {
  query?: PageQuery<P>
} & (Params<P> extends { path: infer X } ? { path: X } : { path?: never })

/** The data of an openapi-fetch call that did not throw (the client throws on every non-2xx). */
export async function ok<R extends { data?: unknown; response: Response }>(
  call: Promise<R>,
): Promise<NonNullable<R['data']>> {
  return (await call).data as NonNullable<R['data']>
}

/** The 4 base64url-decoded claims the SDK reads from an access token (not verified: the server does). */
function claimsOf(token: string): { exp?: number; sub?: string } {
  try {
    const part = token.split('.')[1] ?? ''
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'))
    return JSON.parse(json) as { exp?: number; sub?: string }
  } catch {
    return {}
  }
}

/** Auth routes a 401 of which means "bad credentials", never "refresh and retry". */
const NO_REFRESH = new Set(['/api/auth/login', '/api/auth/refresh', '/api/auth/register'])

/** The client {@link createKelmah} makes. */
export class Kelmah {
  /** The generated client: every path and operation of the API, typed. Non-2xx throws. */
  readonly api: Client<paths>
  readonly baseUrl: string
  #session: Session | null
  #refreshing: Promise<Session> | undefined
  readonly #fetch: typeof fetch
  readonly #onSession: ((s: Session | null) => void) | undefined
  readonly #WebSocket: SocketOptions['WebSocket']

  constructor(opts: KelmahOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '')
    this.#session = opts.session ?? null
    this.#onSession = opts.onSession
    this.#WebSocket = opts.WebSocket
    const base = opts.fetch ?? globalThis.fetch.bind(globalThis)
    this.#fetch = base
    this.api = createClient<paths>({ baseUrl: this.baseUrl, fetch: (req) => this.#authedFetch(req) })
    this.api.use(idempotency, problems)
  }

  /** The current session, or `null` when signed out. */
  get session(): Session | null {
    return this.#session
  }

  /** Replace the session (e.g. one restored from storage); `null` signs out locally. */
  setSession(session: Session | null): void {
    this.#session = session
    this.#onSession?.(session)
  }

  /** Sign-up, sign-in and sign-out. */
  readonly auth = {
    /**
     * `POST /api/auth/register`: creates the account (a 6-digit code is mailed) and signs in.
     * @throws KelmahProblem 409 email taken, 400 naming the field
     */
    register: async (body: RegisterBody) => {
      const data = await ok(this.api.POST('/api/auth/register', { body }))
      this.setSession({ accessToken: data.accessToken, refreshToken: data.refreshToken, user: data.user })
      return data
    },
    /** `POST /api/auth/otp/verify`. Sign in again afterwards for a token with `emailVerified`. */
    verifyOtp: (body: { email: string; code: string }) => ok(this.api.POST('/api/auth/otp/verify', { body })),
    /**
     * `POST /api/auth/login`: keeps the token pair.
     * @throws KelmahProblem 401 wrong email or password, 403 suspended, 429
     *   `AUTH_ERR_LOGIN_THROTTLED` after repeated failures (wait `retryAfterS`)
     */
    login: async (body: { email: string; password: string }): Promise<SignedIn> => {
      const data = await ok(this.api.POST('/api/auth/login', { body }))
      this.setSession({ accessToken: data.accessToken, refreshToken: data.refreshToken, user: data.user })
      return data
    },
    /** `POST /api/auth/logout` (ends this session server-side), then forgets it. */
    logout: async (): Promise<void> => {
      const s = this.#session
      if (!s) return
      try {
        await this.api.POST('/api/auth/logout', { body: { refreshToken: s.refreshToken } })
      } finally {
        this.setSession(null)
      }
    },
    /**
     * Rotate the token pair now (calls do it by themselves on a 401). Concurrent callers share
     * one request.
     * @throws KelmahProblem when the refresh token is refused (the session is then forgotten)
     */
    refresh: (): Promise<Session> => this.#refresh(this.#session?.accessToken),
  }

  /** Jobs. */
  readonly jobs = {
    /**
     * Every job `GET /api/jobs` finds for `query` (search and filters), across pages:
     * `for await (const job of kelmah.jobs.list({ q: 'react' }))`.
     */
    list: (query: PageQuery<'/api/jobs'> = {}) => this.paginate('/api/jobs', { query }),
  }

  /**
   * Iterate the items of a paged GET across pages, following `nextCursor` until it is `null`.
   * Each page is one request, made when the previous page's items are used up.
   *
   * @throws KelmahProblem from the page request that failed
   */
  async *paginate<P extends PagedPath>(path: P, params: PageParams<P>): AsyncGenerator<PageItem<P>> {
    let cursor: string | undefined
    for (;;) {
      const query = { ...(params.query ?? {}), ...(cursor ? { cursor } : {}) }
      const init = { params: { ...params, query } } as never
      const page = (await ok(this.api.GET(path, init))) as { items: PageItem<P>[]; nextCursor: string | null }
      yield* page.items
      if (!page.nextCursor) return
      cursor = page.nextCursor
    }
  }

  /**
   * A socket on the gateway's `/ws` for the signed-in user (see {@link KelmahSocket}); it takes a
   * fresh access token on every (re)connect.
   */
  socket(opts: Partial<Omit<SocketOptions, 'url' | 'token'>> = {}): KelmahSocket {
    return new KelmahSocket({
      url: `${this.baseUrl.replace(/^http/, 'ws')}/ws`,
      token: () => this.#freshAccessToken(),
      ...(this.#WebSocket ? { WebSocket: this.#WebSocket } : {}),
      ...opts,
    })
  }

  /** An access token valid for at least 30 s more (refreshed when not). */
  async #freshAccessToken(): Promise<string> {
    const s = this.#session
    if (!s) throw new Error('not signed in: call kelmah.auth.login() first')
    const exp = claimsOf(s.accessToken).exp
    if (exp !== undefined && exp * 1000 - Date.now() < 30_000)
      return (await this.#refresh(s.accessToken)).accessToken
    return s.accessToken
  }

  /**
   * Refresh once for the access token `stale`: when the session already moved past it another
   * caller has refreshed (use its pair); a refresh in flight is joined.
   */
  #refresh(stale: string | undefined): Promise<Session> {
    const s = this.#session
    if (!s) return Promise.reject(new Error('not signed in'))
    if (stale !== undefined && s.accessToken !== stale) return Promise.resolve(s)
    this.#refreshing ??= this.#rotate(s).finally(() => {
      this.#refreshing = undefined
    })
    return this.#refreshing
  }

  async #rotate(s: Session): Promise<Session> {
    let res: Response
    try {
      res = await this.#fetch(`${this.baseUrl}/api/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: s.refreshToken }),
      })
    } catch (err) {
      // The server may have spent the token before the answer was lost; sending it again would
      // revoke the session (reuse detection). It is never sent twice: sign in again.
      this.setSession(null)
      throw err
    }
    if (!res.ok) {
      this.setSession(null)
      throw await KelmahProblem.from(res, new Request(`${this.baseUrl}/api/auth/refresh`, { method: 'POST' }))
    }
    const data = (await res.json()) as Session
    const next: Session = {
      accessToken: data.accessToken,
      refreshToken: data.refreshToken,
      ...((data.user ?? s.user) ? { user: data.user ?? s.user } : {}),
    }
    this.setSession(next)
    return next
  }

  async #authedFetch(request: Request): Promise<Response> {
    const token = this.#session?.accessToken
    const path = new URL(request.url).pathname
    const useToken = token !== undefined && !request.headers.has('authorization') && !NO_REFRESH.has(path)
    if (!useToken) return this.#fetch(request)
    const spare = request.clone()
    request.headers.set('authorization', `Bearer ${token}`)
    const res = await this.#fetch(request)
    if (res.status !== 401 || !this.#session) return res
    await res.body?.cancel()
    const next = await this.#refresh(token)
    spare.headers.set('authorization', `Bearer ${next.accessToken}`)
    return this.#fetch(spare)
  }
}

/** The body of `POST /api/auth/register`. */
export type RegisterBody = NonNullable<
  paths['/api/auth/register']['post']['requestBody']
>['content']['application/json']

/** Adds a fresh `Idempotency-Key` to the operations that take one, unless the caller gave one. */
const idempotency: Middleware = {
  onRequest({ request, schemaPath }) {
    if (
      IDEMPOTENT_OPERATIONS.has(`${request.method} ${schemaPath}`) &&
      !request.headers.has('idempotency-key')
    )
      request.headers.set('idempotency-key', crypto.randomUUID())
    return request
  },
}

/** Turns every non-2xx answer into a rejected {@link KelmahProblem}. */
const problems: Middleware = {
  async onResponse({ request, response }) {
    if (!response.ok) throw await KelmahProblem.from(response, request)
    return response
  },
}

/**
 * A client of the Kelmah API at `baseUrl` (the gateway).
 *
 * ```ts
 * const kelmah = createKelmah({ baseUrl: 'http://127.0.0.1:5000' })
 * await kelmah.auth.login({ email, password })
 * for await (const job of kelmah.jobs.list({ q: 'react' })) console.log(job.title)
 * ```
 */
export function createKelmah(opts: KelmahOptions): Kelmah {
  return new Kelmah(opts)
}
