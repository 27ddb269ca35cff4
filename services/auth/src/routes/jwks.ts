/** `GET /.well-known/jwks.json`: the public keys every verifier (gateway, services) fetches. Public. */
import type { RoutePlugin } from '@kelmah/service-kit'
import { JwksSchema } from '../schemas/jwks.js'
import type { RouteOptions } from './context.js'

/** Seconds clients and caches may keep the JWKS; verifiers refetch on an unknown `kid` anyway. */
export const JWKS_MAX_AGE_S = 300

/** JWKS route. */
export const jwksRoutes: RoutePlugin<RouteOptions> = (app, opts) => {
  app.get('/.well-known/jwks.json', { schema: JwksSchema }, async (_request, reply) => {
    reply.header('cache-control', `public, max-age=${JWKS_MAX_AGE_S}, stale-while-revalidate=60`)
    return opts.jwks
  })
  return Promise.resolve()
}
