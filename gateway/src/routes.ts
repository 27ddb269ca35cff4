/**
 * THE route table (docs/architecture.md, Gateway): which path prefixes go to which service. The
 * gateway registers one `@fastify/http-proxy` per prefix and keeps the full path upstream
 * (`/api/jobs/1` reaches the job service as `/api/jobs/1`), so services own their URL space and
 * their OpenAPI paths match ours.
 */
import { canonicalPath } from './canonical-path.js'
import type { GatewayConfig } from './config.js'

/** The services behind the gateway. */
export type ServiceName = 'auth' | 'user' | 'job' | 'messaging' | 'payment' | 'review' | 'web'

/** One exact `METHOD path`: a canonical path (`src/canonical-path.ts`), no query string. */
export interface PathRule {
  method: string
  path: string
}

/** One row of the route table. */
export interface RouteRow {
  service: ServiceName
  /** Path prefixes owned by the service; each matches itself and everything below it. */
  prefixes: string[]
  /** Prefixes that also accept WebSocket upgrades. */
  websocket?: string[]
  /** Requests that pass without an access token (everything else needs one). */
  publicPaths?: PathRule[]
  /** Requests under the tighter, per-IP rate limit (credential guessing, mail bombing). */
  sensitivePaths?: PathRule[]
  /**
   * Upload requests: bodies up to `UPLOAD_BODY_LIMIT_BYTES` instead of `BODY_LIMIT_BYTES`. A
   * path segment `:name` matches any one segment (see {@link uploadMatcher}).
   */
  uploads?: PathRule[]
}

const post = (path: string): PathRule => ({ method: 'POST', path })

/** The route table. Order does not matter: prefixes never overlap. */
export const ROUTES: readonly RouteRow[] = [
  {
    service: 'auth',
    prefixes: ['/api/auth'],
    publicPaths: [
      post('/api/auth/register'),
      post('/api/auth/login'),
      post('/api/auth/refresh'),
      post('/api/auth/otp/verify'),
      post('/api/auth/otp/resend'),
      post('/api/auth/password/forgot'),
      post('/api/auth/password/reset'),
      { method: 'GET', path: '/api/auth/.well-known/jwks.json' },
    ],
    sensitivePaths: [
      post('/api/auth/register'),
      post('/api/auth/login'),
      post('/api/auth/otp/verify'),
      post('/api/auth/otp/resend'),
      post('/api/auth/password/forgot'),
      post('/api/auth/password/reset'),
    ],
  },
  { service: 'user', prefixes: ['/api/users'] },
  { service: 'job', prefixes: ['/api/jobs', '/api/applications', '/api/contracts'] },
  {
    service: 'messaging',
    prefixes: ['/api/chat', '/api/notifications', '/ws'],
    websocket: ['/ws'],
    // services/messaging/src/routes/attachments.ts: the raw file, up to ATTACHMENT_MAX_BYTES.
    uploads: [post('/api/chat/conversations/:id/attachments')],
  },
  {
    service: 'payment',
    prefixes: ['/api/payments', '/api/wallet', '/api/webhooks/stripe'],
    // Stripe cannot send our tokens; the payment service verifies the Stripe signature instead.
    publicPaths: [post('/api/webhooks/stripe')],
  },
  { service: 'review', prefixes: ['/api/reviews'] },
]

/**
 * The web console's row (services/web), apart from {@link ROUTES} because it is the one catch-all:
 * its prefix `/` holds every path that no API row owns. Fastify's router prefers the API rows'
 * prefixes and the gateway's own routes (static segments win over the wildcard), and the paths in
 * {@link RESERVED_PREFIXES} never reach the console even when nothing else owns them (an unknown
 * `/api/x` stays a 404 problem, not the app's index.html). Every request to it is public: the
 * console is static files; its data comes from the API with the user's token.
 *
 * Kept out of `ROUTES` so that what iterates the API table (the merged OpenAPI at `/docs`, the
 * SDK generator in libs/sdk/scripts) never sees it.
 */
export const WEB_ROUTE: RouteRow = { service: 'web', prefixes: ['/'] }

/** Paths the console never serves (the API, the socket, the gateway's own docs, health, metrics). */
export const RESERVED_PREFIXES: readonly string[] = [
  '/api',
  '/ws',
  '/docs',
  '/health',
  '/metrics',
  '/openapi.json',
]

/** The web row with its upstream, when `WEB_SERVICE_URL` is set (non-empty). */
export function webService(config: GatewayConfig): RoutedService | undefined {
  return routedServices(config, [WEB_ROUTE])[0]
}

/** A row with its upstream resolved from configuration. */
export interface RoutedService extends RouteRow {
  /** Upstream base URL, e.g. `http://127.0.0.1:3004`. */
  upstream: string
}

const URL_VARIABLE: Record<ServiceName, keyof GatewayConfig> = {
  auth: 'AUTH_SERVICE_URL',
  user: 'USER_SERVICE_URL',
  job: 'JOB_SERVICE_URL',
  messaging: 'MESSAGING_SERVICE_URL',
  payment: 'PAYMENT_SERVICE_URL',
  review: 'REVIEW_SERVICE_URL',
  web: 'WEB_SERVICE_URL',
}

/**
 * The rows whose `<NAME>_SERVICE_URL` is set (non-empty), with the URL attached. Unset services
 * are not routed: their prefixes answer 404 like any unknown path.
 */
export function routedServices(config: GatewayConfig, table: readonly RouteRow[] = ROUTES): RoutedService[] {
  return table.flatMap((row) => {
    const url = config[URL_VARIABLE[row.service]] as string | undefined
    return url ? [{ ...row, upstream: url.replace(/\/+$/, '') }] : []
  })
}

/**
 * A matcher for `METHOD path` rules, called with the request's canonical path
 * (`src/canonical-path.ts`, `requestPath`) — never the raw URL, so every spelling an upstream
 * would route to a rule's path matches it, and nothing else does. Paths compare exactly
 * (case-sensitive, like the services' router).
 *
 * @param rules - rule paths must themselves be canonical
 * @throws Error at build time for a rule path that is not canonical (it could never match)
 */
export function ruleMatcher(rules: PathRule[]): (method: string, path: string) => boolean {
  for (const r of rules) {
    let canonical: string | undefined
    try {
      canonical = canonicalPath(r.path)
    } catch {
      canonical = undefined
    }
    if (canonical !== r.path)
      throw new Error(`route table rule ${r.method} ${r.path} is not a canonical path`)
  }
  const set = new Set(rules.map((r) => `${r.method.toUpperCase()} ${r.path}`))
  return (method, path) => set.size > 0 && set.has(`${method} ${path}`)
}

/**
 * A matcher for upload rules, called with the request's canonical path: a rule segment `:name`
 * matches any one non-empty segment, every other segment compares exactly.
 */
export function uploadMatcher(rules: PathRule[]): (method: string, path: string) => boolean {
  const compiled = rules.map((r) => ({ method: r.method.toUpperCase(), segments: r.path.split('/') }))
  return (method, path) => {
    if (compiled.length === 0) return false
    const segments = path.split('/')
    return compiled.some(
      (r) =>
        r.method === method &&
        r.segments.length === segments.length &&
        r.segments.every((s, i) => (s.startsWith(':') ? segments[i] !== '' : s === segments[i])),
    )
  }
}
