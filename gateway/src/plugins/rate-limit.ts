/**
 * Rate limits on Redis (`@fastify/rate-limit` with its Redis store on `app.redis`, which
 * service-kit auto-pipelines). One counter per user (token `sub`) or, without a valid token, per
 * IP; login, register, OTP and password-reset requests have their own tighter per-IP counter.
 * Counters live under `RATE_LIMIT_NAMESPACE` because they outlive the process.
 *
 * Registered with `global: false`: only proxied routes are limited (the hook is added to the proxy
 * scope by `app.ts` through `gatewayRateLimitHook`), so health probes and docs never count.
 */
import rateLimit from '@fastify/rate-limit'
import { Counter } from 'prom-client'
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
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
  const rejected = new Counter({
    name: 'kelmah_gateway_rate_limited_total',
    help: 'Requests refused 429 by the rate limit, by limit (api: per user or IP; auth: sign-in, register, OTP, password)',
    labelNames: ['limit'],
    registers: [app.metrics.registry],
  })
  await app.register(rateLimit, {
    global: false,
    redis: app.redis,
    nameSpace: config.RATE_LIMIT_NAMESPACE,
    keyGenerator: keyOf,
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
