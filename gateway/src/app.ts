/**
 * The gateway app (docs/architecture.md, Gateway; docs/conventions.md, Gateway): a thin edge in
 * front of the services. Authenticate, rate-limit, CORS, security headers, request ids, one proxy
 * per route-table prefix, aggregated `/health` and combined OpenAPI docs. No business logic, no
 * database.
 */
import cors from '@fastify/cors'
import { buildService, type JwtOptions, type KelmahApp } from '@kelmah/service-kit'
import type { FastifyRequest, FastifySchema } from 'fastify'
import { canonicalPathHook } from './canonical-path.js'
import { corsOrigins, trustProxy, type GatewayConfig } from './config.js'
import { combinedDocs } from './plugins/docs.js'
import { edgeAuthHooks } from './plugins/edge-auth.js'
import { registerProxies, registerWebProxy } from './plugins/proxy.js'
import { securityHeaders } from './plugins/security-headers.js'
import { gatewayRateLimitHook } from './plugins/rate-limit.js'
import { upstreamHealth } from './plugins/upstream-health.js'
import {
  RESERVED_PREFIXES,
  routedServices,
  ruleMatcher,
  uploadMatcher,
  webService,
  type RouteRow,
} from './routes.js'

/** What {@link buildApp} needs. */
export interface BuildAppOptions {
  /** Checked configuration (`loadGatewayConfig()`). */
  config: GatewayConfig
  /** A fixed JWKS used instead of `JWT_JWKS_URL` (tests, benchmark). */
  jwks?: JwtOptions['jwks']
  /** pino level, or `false` for no logs. Default `config.LOG_LEVEL`. */
  logLevel?: string | false
  /** Overrides `config.GATEWAY_MODE`: `bare` is proxy only (no JWT, rate limit, CORS, helmet). */
  mode?: GatewayConfig['GATEWAY_MODE']
  /** Overrides the route table (tests). */
  routes?: readonly RouteRow[]
}

/**
 * Build the gateway. Nothing listens (see `server.ts`); tests call `inject()` or `listen({port: 0})`.
 *
 * In `full` mode Redis must be reachable (rate-limit counters); `bare` mode needs nothing.
 *
 * @throws Error when Redis cannot be reached (full mode)
 */
export async function buildApp(opts: BuildAppOptions): Promise<KelmahApp> {
  const { config } = opts
  const full = (opts.mode ?? config.GATEWAY_MODE) === 'full'
  const services = routedServices(config, opts.routes)
  const web = webService(config)
  const proxiedBy = (request: FastifyRequest) =>
    (request.routeOptions.config as { kelmahProxy?: string } | undefined)?.kelmahProxy

  const app = await buildService({
    name: 'gateway',
    logLevel: opts.logLevel ?? config.LOG_LEVEL,
    disableRequestLogging: !config.LOG_REQUESTS,
    trustProxy: trustProxy(config),
    bodyLimit: config.BODY_LIMIT_BYTES,
    metricsPort: config.METRICS_PORT,
    openapi: { title: 'Kelmah gateway' },
    ...(full
      ? {
          redisUrl: config.REDIS_URL,
          auth: {
            ...(opts.jwks ? { jwks: opts.jwks } : { jwksUrl: config.JWT_JWKS_URL }),
            issuer: config.JWT_ISSUER,
            audience: config.JWT_AUDIENCE,
          },
        }
      : {}),
  })

  // First of all hooks, every route: one canonical path per request, ambiguous spellings refused,
  // the URL rewritten to it (src/canonical-path.ts). Public and rate-limit rules match on it.
  app.addHook('onRequest', canonicalPathHook)

  // Proxied routes are documented by their services (merged at /docs), not as `/api/jobs/*`.
  app.addHook('onRoute', (route) => {
    if ((route.config as { kelmahProxy?: string } | undefined)?.kelmahProxy) {
      // The `as FastifySchema` is needed: @fastify/swagger's keys (hide, summary, tags) augment
      // FastifySchema in the lint program (service-kit's sources) but not under `tsc -b` (its
      // built declarations), so lint calls it unnecessary and tsc fails without it.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
      route.schema = { ...route.schema, hide: true } as FastifySchema
    }
  })

  let rateLimitHook: Awaited<ReturnType<typeof gatewayRateLimitHook>> | undefined
  if (full) {
    // CORS first: a preflight is answered in its onRequest hook, before authentication.
    await app.register(cors, {
      origin: corsOrigins(config),
      // @fastify/cors allows only GET, HEAD, POST by default; the API uses the full set.
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      credentials: true,
      maxAge: 600,
      exposedHeaders: [
        'x-request-id',
        'retry-after',
        'x-ratelimit-limit',
        'x-ratelimit-remaining',
        'x-ratelimit-reset',
      ],
    })
    await app.register(securityHeaders, {
      isProxied: (request) => Boolean(proxiedBy(request)),
      isApp: (request) => proxiedBy(request) === 'web',
    })
    rateLimitHook = await gatewayRateLimitHook(
      app,
      config,
      ruleMatcher(services.flatMap((s) => s.sensitivePaths ?? [])),
    )
  }

  await app.register(upstreamHealth, {
    services: web ? [...services, web] : services,
    timeoutMs: config.PROBE_TIMEOUT_MS,
  })
  await app.register(async (docs) =>
    combinedDocs(docs, { services, timeoutMs: config.PROBE_TIMEOUT_MS, cacheMs: config.DOCS_CACHE_MS }),
  )

  await app.register(async (edge) => {
    if (full && rateLimitHook) {
      const { identify, enforce } = edgeAuthHooks(
        edge,
        ruleMatcher(services.flatMap((s) => s.publicPaths ?? [])),
      )
      edge.addHook('onRequest', identify)
      edge.addHook('onRequest', rateLimitHook)
      edge.addHook('onRequest', enforce)
    }
    await registerProxies(edge, {
      services,
      upstreamTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
      bodyLimit: config.BODY_LIMIT_BYTES,
      uploadBodyLimit: config.UPLOAD_BODY_LIMIT_BYTES,
      isUpload: uploadMatcher(services.flatMap((s) => s.uploads ?? [])),
    })
  })

  if (web) {
    // The web console (src/routes.ts, WEB_ROUTE): public static files, so no edge auth; the
    // per-IP rate limit still counts its requests.
    await app.register(async (site) => {
      if (rateLimitHook) site.addHook('onRequest', rateLimitHook)
      await registerWebProxy(site, {
        service: web,
        reserved: RESERVED_PREFIXES,
        upstreamTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
        bodyLimit: config.BODY_LIMIT_BYTES,
      })
    })
  }

  return app
}
