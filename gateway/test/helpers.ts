/**
 * Test helpers: small upstream services on port 0 that record what reaches them, and a gateway
 * built against them with a unique rate-limit namespace (cleaned up after the test).
 */
import { buildService, type KelmahApp } from '@kelmah/service-kit'
import { testEnv, tokenKit, uniqueName, type TokenKit } from '@kelmah/testing'
import type { IncomingHttpHeaders } from 'node:http'
import { Redis } from 'ioredis'
import type { FastifySchema } from 'fastify'
import { buildApp, type BuildAppOptions } from '../src/app.js'
import { loadGatewayConfig } from '../src/config.js'

/** What a test gets from `t` (tap's Test, reduced to what the helpers use). */
interface Teardown {
  teardown(fn: () => unknown): void
}

/**
 * Route schema for test-only upstream routes: kept out of their OpenAPI document. (`hide` comes
 * from @fastify/swagger's type augmentation, which the gateway does not import.)
 */
export const hidden = { hide: true } as FastifySchema

/** A request as the upstream saw it. */
export interface Seen {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body?: unknown
}

/** A running upstream. */
export interface Upstream {
  url: string
  seen: Seen[]
  app: KelmahApp
}

/**
 * Start an upstream service on 127.0.0.1:0 (service-kit, so it has `/health/ready` and
 * `/openapi.json`) that answers every request under `prefixes` with what it saw.
 *
 * @param configure - add more routes before listening
 */
export async function startUpstream(
  t: Teardown,
  prefixes: string[],
  configure?: (app: KelmahApp) => void,
): Promise<Upstream> {
  const app = await buildService({ name: uniqueName('upstream'), logLevel: false })
  const seen: Seen[] = []
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))
  configure?.(app)
  for (const prefix of prefixes) {
    app.all(`${prefix}/*`, { schema: hidden }, async (request) => {
      seen.push({ method: request.method, url: request.url, headers: request.headers, body: request.body })
      return { ok: true, url: request.url, method: request.method }
    })
    app.all(prefix, { schema: hidden }, async (request) => {
      seen.push({ method: request.method, url: request.url, headers: request.headers, body: request.body })
      return { ok: true, url: request.url, method: request.method }
    })
  }
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  return { url, seen, app }
}

/** A gateway under test and what it was built with. */
export interface TestGateway {
  app: KelmahApp
  kit: TokenKit
  namespace: string
}

/**
 * Build a gateway (not listening) with `env` on top of test defaults: no service routed unless
 * named, a unique rate-limit namespace, the JWKS of a fresh token kit, no logs.
 */
export async function startGateway(
  t: Teardown,
  env: Record<string, string>,
  opts: Partial<BuildAppOptions> & { kit?: TokenKit } = {},
): Promise<TestGateway> {
  const kit = opts.kit ?? tokenKit()
  const namespace = `${uniqueName('gwtest')}:`
  const config = loadGatewayConfig({
    AUTH_SERVICE_URL: '',
    REDIS_URL: testEnv().redisUrl,
    RATE_LIMIT_NAMESPACE: namespace,
    PROBE_TIMEOUT_MS: '500',
    DOCS_CACHE_MS: '0',
    ...env,
  })
  const app = await buildApp({ config, jwks: kit.jwks, logLevel: false, ...opts })
  t.teardown(async () => {
    await app.close()
    await deleteKeys(`${namespace}*`)
  })
  return { app, kit, namespace }
}

/** Delete every Redis key matching `pattern` (a test's rate-limit counters). */
export async function deleteKeys(pattern: string): Promise<void> {
  const redis = new Redis(testEnv().redisUrl, { lazyConnect: true })
  try {
    await redis.connect()
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500)
      if (keys.length > 0) await redis.del(...keys)
      cursor = next
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
}

/** `{ authorization: 'Bearer <token>' }`. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
