/**
 * The gateway's configuration: one env schema checked at boot (docs/conventions.md, Configuration).
 * Peers are `<NAME>_SERVICE_URL`; a service whose URL is unset (or empty) is simply not routed, so
 * the gateway can front a partial system while services are being built.
 */
import { baseConfig, ConfigError, loadConfig } from '@kelmah/service-kit'
import Type, { type Static } from 'typebox'

/** The developer machine's browser apps (CRA, Vite): the CORS default, refused in production. */
const LOCAL_CORS_ORIGINS = 'http://localhost:3000,http://localhost:5173'

/** An upstream base URL (`http://host:port`), or empty for "not routed". */
const serviceUrl = (description: string, fallback?: string) =>
  Type.String({
    pattern: '^$|^https?://',
    description,
    ...(fallback === undefined ? {} : { default: fallback }),
  })

/** The gateway's env schema. Times are milliseconds; sizes are bytes. */
export const GatewayConfigSchema = Type.Object({
  ...baseConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 5000 }),
  REDIS_URL: Type.String({ pattern: '^rediss?://', default: 'redis://127.0.0.1:6379' }),
  /** Where the gateway fetches the auth service's public keys (cached by service-kit's verifier). */
  JWT_JWKS_URL: Type.String({
    format: 'uri',
    default: 'http://127.0.0.1:3001/api/auth/.well-known/jwks.json',
  }),

  AUTH_SERVICE_URL: serviceUrl('the auth service', 'http://127.0.0.1:3001'),
  USER_SERVICE_URL: Type.Optional(serviceUrl('the user service')),
  JOB_SERVICE_URL: Type.Optional(serviceUrl('the job service')),
  MESSAGING_SERVICE_URL: Type.Optional(serviceUrl('the messaging service (HTTP and /ws)')),
  PAYMENT_SERVICE_URL: Type.Optional(serviceUrl('the payment service')),
  REVIEW_SERVICE_URL: Type.Optional(serviceUrl('the review service')),
  /** The web console (services/web): every path outside the API's (src/routes.ts, `WEB_ROUTE`). */
  WEB_SERVICE_URL: Type.Optional(serviceUrl('the web console (static files at /)')),

  /** `full`: JWT, rate limits, CORS, security headers. `bare`: proxy only (benchmark baseline). */
  GATEWAY_MODE: Type.Union([Type.Literal('full'), Type.Literal('bare')], { default: 'full' }),
  /**
   * Log Fastify's two info lines per request (incoming, completed). Off by default: every service
   * logs each request itself under the same `x-request-id`, and on the gateway's hot path the two
   * lines cost more CPU than the proxying (like Envoy or Kong, no access log at info unless asked).
   * Errors, upstream failures and warnings are logged either way.
   */
  LOG_REQUESTS: Type.Boolean({ default: false }),
  /**
   * Which proxies in front of the gateway (the ingress) to believe for the client IP in
   * `X-Forwarded-For`, so per-IP rate limits count clients, not the ingress: empty or `false` =
   * nobody (the socket address is the client), `true` = any, or a comma-separated list of IPs/CIDRs
   * such as `10.0.0.0/8,127.0.0.1`.
   */
  TRUST_PROXY: Type.String({ default: '' }),
  /**
   * Comma-separated browser origins allowed by CORS, e.g. `https://app.kelmah.com` (empty: no
   * browser origin). The default is for a developer machine only: a production process (the
   * container images set `NODE_ENV=production`) refuses to start without an explicit value.
   */
  CORS_ORIGINS: Type.String({ default: LOCAL_CORS_ORIGINS }),

  /** Requests per window for one user (by token `sub`) or, without a token, one IP. */
  RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 600 }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 100, default: 60_000 }),
  /** The tighter limit, per IP, on login, register, OTP and password-reset requests. */
  RATE_LIMIT_AUTH_MAX: Type.Integer({ minimum: 1, default: 10 }),
  RATE_LIMIT_AUTH_WINDOW_MS: Type.Integer({ minimum: 100, default: 60_000 }),
  /** Redis key prefix of the counters (counters outlive a process: tests use a unique one). */
  RATE_LIMIT_NAMESPACE: Type.String({ minLength: 1, default: 'kelmah:gateway:rl:' }),

  /** Longest wait for an upstream's response headers (and between body chunks) before a 504. */
  UPSTREAM_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 10_000 }),
  /** Longest wait for a `/health/ready` or `/openapi.json` answer from one upstream. */
  PROBE_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 1_500 }),
  /** How long the combined OpenAPI document is reused before upstreams are asked again. */
  DOCS_CACHE_MS: Type.Integer({ minimum: 0, default: 30_000 }),
  /** Largest request body accepted (and streamed upstream), except on the route table's upload routes. */
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1, default: 1024 * 1024 }),
  /**
   * Largest body of an upload route (`uploads` in src/routes.ts: messaging's attachments). Keep it
   * equal to messaging's `ATTACHMENT_MAX_BYTES` (10 MiB by default), which answers the precise 413.
   */
  UPLOAD_BODY_LIMIT_BYTES: Type.Integer({ minimum: 1, default: 10 * 1024 * 1024 }),
})

/** The gateway's typed configuration. */
export type GatewayConfig = Static<typeof GatewayConfigSchema>

/**
 * Read and check the gateway's configuration.
 *
 * In production (`NODE_ENV=production`, which the container images set — the one use of
 * `NODE_ENV`, a refusal at boot, never a change of behaviour) `CORS_ORIGINS` must be given: the
 * localhost default would refuse the real browser app, and silently.
 *
 * @param env - variables to read (default `process.env`); tests pass a small object
 * @throws ConfigError naming every bad variable, or `CORS_ORIGINS` unset in production
 */
export function loadGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const config = loadConfig(GatewayConfigSchema, env)
  if (env.NODE_ENV === 'production' && env.CORS_ORIGINS === undefined)
    throw new ConfigError(
      `invalid configuration — CORS_ORIGINS: is required in production (NODE_ENV=production); set the browser app's origins, e.g. https://app.kelmah.example.com, or an empty value for none (the default ${LOCAL_CORS_ORIGINS} is for a developer machine)`,
    )
  return config
}

/** The allowed CORS origins as a list (`CORS_ORIGINS` split on commas, blanks dropped). */
export function corsOrigins(config: Pick<GatewayConfig, 'CORS_ORIGINS'>): string[] {
  return config.CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean)
}

/** `TRUST_PROXY` in the shape Fastify's `trustProxy` takes (`false`, `true` or a list of IPs/CIDRs). */
export function trustProxy(config: Pick<GatewayConfig, 'TRUST_PROXY'>): boolean | string[] {
  const value = config.TRUST_PROXY.trim()
  if (value === '' || value === 'false') return false
  if (value === 'true') return true
  return value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
}
