/**
 * Rate limits on Redis (`@fastify/rate-limit` with its Redis store on `app.redis`, which
 * service-kit auto-pipelines). One counter per user (token `sub`) or, without a valid token, per
 * IP; login, register, OTP and password-reset requests have their own tighter per-IP counter.
 * Counters live under `RATE_LIMIT_NAMESPACE` because they outlive the process.
 *
 * Registered with `global: false`: only proxied routes are limited (the hook is added to the proxy
 * scope by `app.ts` through `gatewayRateLimitHook`), so health probes and docs never count.
 *
 * The same Redis round trip also reads the caller's revocation mark (issue 14, item 5;
 * `@kelmah/service-kit` src/revocation.ts): the counter lives in @fastify/rate-limit, but its
 * store is ours — {@link EDGE_SCRIPT}, one Lua script doing the library's fixed-window `INCR` and
 * `PEXPIRE` and a `GET` of `kelmah:revoked:<sub>` — so checking revocation at the edge costs no
 * extra network hop and no extra command. `edge-auth.ts` reads the result with
 * {@link revocationMarkOf}. (The two keys are in different hash slots: on a Redis Cluster the
 * script would need hash tags; the deployment runs one Redis.)
 */
import rateLimit from '@fastify/rate-limit'
import { Counter } from 'prom-client'
import { parseMark, revocationKey } from '@kelmah/service-kit'
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import type { Redis } from 'ioredis'
import type { GatewayConfig } from '../config.js'
import { requestPath } from '../canonical-path.js'
import { RateLimited } from '../errors.js'

/** What the limiter needs from configuration. */
export type RateLimitConfig = Pick<
  GatewayConfig,
  | 'RATE_LIMIT_MAX'
  | 'RATE_LIMIT_WINDOW_MS'
  | 'RATE_LIMIT_AUTH_MAX'
  | 'RATE_LIMIT_AUTH_WINDOW_MS'
  | 'RATE_LIMIT_NAMESPACE'
>

const SENSITIVE = 'auth:'

/**
 * The edge's one Redis command per request: @fastify/rate-limit's fixed-window count (`INCR`,
 * `PEXPIRE` on the first hit, else `PTTL` — the library's own script without the options the
 * gateway does not use) plus the revocation mark. KEYS[1] = counter, KEYS[2] = mark;
 * ARGV[1] = window ms, ARGV[2] = `1` to read the mark. Returns `{count, ttlMs, mark|nil}`.
 */
export const EDGE_SCRIPT = `
local current = redis.call('INCR', KEYS[1])
local ttl = tonumber(ARGV[1])
if current == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
else
  ttl = redis.call('PTTL', KEYS[1])
end
local mark = false
if ARGV[2] == '1' then mark = redis.call('GET', KEYS[2]) end
return {current, ttl, mark}
`

const kMark = Symbol('kelmah.gateway.revocationMark')
type WithMark = FastifyRequest & { [kMark]?: number | null }

/**
 * The revocation mark of the request's user as read with its rate-limit count: epoch ms, null
 * for none, undefined when it was not read (no user, or Redis failed and the limiter let the
 * request through).
 */
export function revocationMarkOf(request: FastifyRequest): number | null | undefined {
  return (request as WithMark)[kMark]
}

type EdgeRedis = Redis & {
  kelmahEdge(
    counter: string,
    mark: string,
    windowMs: number,
    readMark: '0' | '1',
  ): Promise<[number, number, string | null]>
}

/**
 * A @fastify/rate-limit store running {@link EDGE_SCRIPT}. The library hands a store only the
 * key, so the key generator appends a per-process ticket (`<key>|<n>`) naming the request in
 * `waiting`; the store counts under the key without it and leaves the mark on the request.
 */
function edgeStore(redis: Redis, namespace: string, waiting: Map<string, FastifyRequest>) {
  const r = redis as EdgeRedis
  if (!(r as Partial<EdgeRedis>).kelmahEdge)
    r.defineCommand('kelmahEdge', { numberOfKeys: 2, lua: EDGE_SCRIPT })
  return class EdgeStore {
    incr(
      key: string,
      cb: (err: Error | null, res?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ): void {
      const cut = key.lastIndexOf('|')
      const ticket = key.slice(cut + 1)
      const request = waiting.get(ticket)
      waiting.delete(ticket)
      const counter = namespace + key.slice(0, cut)
      const sub = request?.user?.sub
      r.kelmahEdge(counter, sub ? revocationKey(sub) : counter, timeWindow, sub ? '1' : '0').then(
        ([current, ttl, mark]) => {
          if (request && sub) (request as WithMark)[kMark] = parseMark(mark)
          cb(null, { current, ttl })
        },
        (err: Error) => cb(err),
      )
    }

    child(): this {
      return this
    }
  }
}

/**
 * Register the limiter on `app` (which must have `app.redis`) and return the onRequest hook to
 * add where limits apply. Add it after the hook that sets `request.user`.
 *
 * @param isSensitive - `(method, canonical path) => true` for requests under the tighter limit;
 *   called with `requestPath(request)` (`src/canonical-path.ts`), never the raw URL
 */
export async function gatewayRateLimitHook(
  app: FastifyInstance,
  config: RateLimitConfig,
  isSensitive: (method: string, path: string) => boolean,
): Promise<onRequestAsyncHookHandler> {
  const keyOf = (request: FastifyRequest): string => {
    if (isSensitive(request.method, requestPath(request))) return `${SENSITIVE}ip:${request.ip}`
    return request.user ? `api:user:${request.user.sub}` : `api:ip:${request.ip}`
  }
  const waiting = new Map<string, FastifyRequest>()
  let tickets = 0
  const rejected = new Counter({
    name: 'kelmah_gateway_rate_limited_total',
    help: 'Requests refused 429 by the rate limit, by limit (api: per user or IP; auth: sign-in, register, OTP, password)',
    labelNames: ['limit'],
    registers: [app.metrics.registry],
  })
  await app.register(rateLimit, {
    global: false,
    store: edgeStore(app.redis, config.RATE_LIMIT_NAMESPACE, waiting),
    keyGenerator: (request) => {
      const ticket = String((tickets = (tickets + 1) % Number.MAX_SAFE_INTEGER))
      waiting.set(ticket, request)
      return `${keyOf(request)}|${ticket}`
    },
    max: (_request, key) => (key.startsWith(SENSITIVE) ? config.RATE_LIMIT_AUTH_MAX : config.RATE_LIMIT_MAX),
    timeWindow: (_request, key) =>
      key.startsWith(SENSITIVE) ? config.RATE_LIMIT_AUTH_WINDOW_MS : config.RATE_LIMIT_WINDOW_MS,
    // Availability over strictness: if Redis fails, let traffic through (and log it) rather than
    // turning a cache outage into a full outage.
    skipOnError: true,
    errorResponseBuilder: (_request, context) => new RateLimited(context.after),
    onExceeded: (_request, key) => rejected.inc({ limit: key.startsWith(SENSITIVE) ? 'auth' : 'api' }),
  })
  return app.rateLimit()
}
