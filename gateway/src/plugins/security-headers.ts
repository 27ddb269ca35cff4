/**
 * Helmet's security headers, built once.
 *
 * - The gateway's own routes (`/docs` — HTML —, health, OpenAPI) get helmet's defaults.
 * - The web console (every path outside the API, src/routes.ts `WEB_ROUTE`) gets a page CSP made
 *   for it ({@link APP_HELMET_OPTIONS}).
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

/**
 * Helmet options for the web console (services/web, served at `/`): helmet's page defaults with a
 * CSP for a single-page app built by Vite — scripts, styles, fonts and images from this origin
 * only (no inline script; `data:` images for the icons the app draws), API calls and the chat
 * socket to this origin only (`connect-src 'self'`, which CSP Level 3 extends to `ws:`/`wss:` of
 * the same host), no plugins, no framing. `upgrade-insecure-requests` is left off: TLS ends at the
 * ingress, and HSTS already keeps browsers on https there; on a developer machine it would break
 * plain `http://127.0.0.1:5000`.
 *
 * @see https://www.w3.org/TR/CSP3/#match-url-to-source-expression ('self' and ws/wss)
 */
export const APP_HELMET_OPTIONS: Readonly<HelmetOptions> = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'"],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
}

/** Options of {@link securityHeaders}. */
export interface SecurityHeadersOptions {
  /** `true` for a request answered by an upstream (API headers), `false` for the gateway's own routes. */
  isProxied: (request: FastifyRequest) => boolean
  /** `true` for a request answered by the web console (checked first; default: none). */
  isApp?: (request: FastifyRequest) => boolean
}

/** Register the security headers on `app` and every context below it. */
export const securityHeaders = fp<SecurityHeadersOptions>(
  (app: FastifyInstance, opts, registered) => {
    const page = helmet()
    const api = helmet(API_HELMET_OPTIONS)
    const site = helmet(APP_HELMET_OPTIONS)
    app.addHook('onRequest', (request, reply, done) => {
      const apply = opts.isApp?.(request) ? site : opts.isProxied(request) ? api : page
      apply(request.raw, reply.raw, (err) => done(err as Error | undefined))
    })
    registered()
  },
  { name: 'kelmah-security-headers', fastify: '5.x' },
)
