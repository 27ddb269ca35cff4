/**
 * `buildApp()`: the web console's Fastify instance — service-kit's shared mechanisms (request ids,
 * problem details, `/health/live` and `/health/ready`, metrics, graceful close) and the built
 * browser app (`WEB_CLIENT_DIR`) as static files, with the single-page fallback: any other GET
 * that accepts HTML answers `index.html`, so a reload on `/jobs/123` opens the app there. Never
 * listens (see `server.ts`); tests call it.
 *
 * Caching: files under `/assets/` carry a content hash in their name (Vite), so they are
 * `immutable` for a year; `index.html` is `no-cache` (revalidated every load, so a deployment is
 * picked up at once).
 */
import fs from 'node:fs'
import path from 'node:path'
import fastifyStatic from '@fastify/static'
import { buildService, problem, sendProblem, type KelmahApp } from '@kelmah/service-kit'
import type { FastifyReply } from 'fastify'
import type { WebConfig } from './config.js'
import { stripeTestRoutes } from './stripe-test.js'

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  config: WebConfig
  /** pino level, or `false` for no logs (tests). Default `config.LOG_LEVEL`. */
  logLevel?: string | false
}

const YEAR_S = 365 * 24 * 3600

/**
 * Build the web service.
 *
 * @throws Error when `WEB_CLIENT_DIR` holds no `index.html` (build the client first: `npm run build -w @kelmah/web`)
 */
export async function buildApp(opts: BuildAppOptions): Promise<KelmahApp> {
  const { config } = opts
  const root = path.resolve(config.WEB_CLIENT_DIR)
  if (!fs.existsSync(path.join(root, 'index.html')))
    throw new Error(`no built console in ${root}: run npm run build -w @kelmah/web`)
  const app = await buildService({
    name: 'web',
    logLevel: opts.logLevel ?? config.LOG_LEVEL,
    openapi: { title: 'Kelmah web console', description: 'The browser console, as static files.' },
    ...(config.METRICS_PORT ? { metricsPort: config.METRICS_PORT } : {}),
  })
  await app.register(fastifyStatic, {
    root,
    // One route per built file (globbed at start: the folder never changes while serving), so the
    // wildcard below is the single-page fallback.
    wildcard: false,
    index: false,
    setHeaders: (res, file) => {
      const immutable = file.startsWith(path.join(root, 'assets') + path.sep)
      res.header('cache-control', immutable ? `public, max-age=${YEAR_S}, immutable` : 'no-cache')
    },
  })
  const sendIndex = (reply: FastifyReply) => reply.header('cache-control', 'no-cache').sendFile('index.html')
  app.get('/', (_request, reply) => sendIndex(reply))
  app.get('/*', (request, reply) => {
    const wantsPage = /text\/html|\*\/\*/.test(request.headers.accept ?? '')
    if (wantsPage && !request.url.startsWith('/assets/')) return sendIndex(reply)
    return sendProblem(
      reply,
      problem(404, `No route ${request.method} ${request.url.split('?')[0]}`, {
        code: 'KIT_ERR_ROUTE_NOT_FOUND',
      }),
    )
  })
  if (config.STRIPE_WEBHOOK_SECRET && config.PAYMENT_SERVICE_URL)
    await app.register(stripeTestRoutes, {
      secret: config.STRIPE_WEBHOOK_SECRET,
      paymentUrl: config.PAYMENT_SERVICE_URL,
    })
  return app
}
