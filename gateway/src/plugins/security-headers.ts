/**
 * Helmet's security headers, built once.
 *
 * - The gateway's own routes (`/docs` — HTML —, health, OpenAPI) get helmet's defaults.
 * - Proxied API responses (JSON, never rendered as a page) get the set OWASP's REST Security
 *   Cheat Sheet lists for APIs: HSTS, `X-Content-Type-Options: nosniff`, `X-Frame-Options`, a
 *   deny-all CSP (`default-src 'none'; frame-ancestors 'self'`), `Referrer-Policy`,
 *   `Cross-Origin-Resource-Policy`. The headers that only mean something for an HTML document
 *   (COOP, Origin-Agent-Cluster, X-DNS-Prefetch-Control, X-Download-Options,
 *   X-Permitted-Cross-Domain-Policies, X-XSS-Protection) are left off: on every API response they
 *   cost the gateway and each client header bytes and parsing for no protection.
 *
 * Why not `@fastify/helmet`: it calls `helmet(options)` inside its onRequest hook, so every request
 * rebuilds the whole middleware (parsing the CSP directives into new objects) and allocates a
 * `reply.helmet` closure, in two hooks, one of them async. On the gateway's hot path that was the
 * largest single cost of the "full edge" after the socket writes (benchmark profile, see
 * bench/RESULTS.md). Here both middlewares are built once and applied by one callback-style hook.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'

/** Helmet options for proxied JSON API responses (see the module comment). */
export const API_HELMET_OPTIONS: Readonly<HelmetOptions> = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'self'"] },
  },
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
}

/** Options of {@link securityHeaders}. */
export interface SecurityHeadersOptions {
  /** `true` for a request answered by an upstream (API headers), `false` for the gateway's own routes. */
  isProxied: (request: FastifyRequest) => boolean
}

/** Register the security headers on `app` and every context below it. */
export const securityHeaders = fp<SecurityHeadersOptions>(
  (app: FastifyInstance, opts, registered) => {
    const page = helmet()
    const api = helmet(API_HELMET_OPTIONS)
    app.addHook('onRequest', (request, reply, done) => {
      const apply = opts.isProxied(request) ? api : page
      apply(request.raw, reply.raw, (err) => done(err as Error | undefined))
    })
    registered()
  },
  { name: 'kelmah-security-headers', fastify: '5.x' },
)
