/**
 * `/health/live` (the process answers) and `/health/ready` (each dependency, reported separately:
 * `mongodb`, `rabbitmq`, `redis`). Ready answers 503 while any check fails, so an orchestrator stops
 * routing to this instance without killing it.
 */
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import Type from 'typebox'

/** A readiness check: resolve `true` when the dependency is usable. Must finish within the timeout. */
export type ReadinessCheck = () => Promise<boolean> | boolean

declare module 'fastify' {
  interface FastifyInstance {
    /** Add a named check to `/health/ready`. */
    addReadinessCheck: (name: string, check: ReadinessCheck) => void
  }
}

const CHECK_TIMEOUT_MS = 2_000

async function runCheck(check: ReadinessCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      Promise.resolve().then(check),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS)
      }),
    ])
  } catch {
    return false
  } finally {
    clearTimeout(timer)
  }
}

const CheckStatus = Type.Object({ status: Type.Union([Type.Literal('up'), Type.Literal('down')]) })
const ReadyResponse = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  service: Type.String(),
  checks: Type.Record(Type.String(), CheckStatus),
})

/** Fastify plugin: the two health routes and `addReadinessCheck`. */
export const health = fp<{ service: string }>(
  async function health(app: FastifyInstance, opts) {
    const checks = new Map<string, ReadinessCheck>()
    app.decorate('addReadinessCheck', (name: string, check: ReadinessCheck) => {
      checks.set(name, check)
    })
    app.get(
      '/health/live',
      {
        schema: {
          hide: true,
          response: { 200: Type.Object({ status: Type.Literal('ok'), service: Type.String() }) },
        },
        logLevel: 'warn',
      },
      async () => ({ status: 'ok' as const, service: opts.service }),
    )
    app.get(
      '/health/ready',
      { schema: { hide: true, response: { 200: ReadyResponse, 503: ReadyResponse } }, logLevel: 'warn' },
      async (_request, reply) => {
        const results = await Promise.all(
          [...checks].map(async ([name, check]) => [name, await runCheck(check)] as const),
        )
        const ok = results.every(([, up]) => up)
        return reply.code(ok ? 200 : 503).send({
          status: ok ? 'ok' : 'unavailable',
          service: opts.service,
          checks: Object.fromEntries(results.map(([name, up]) => [name, { status: up ? 'up' : 'down' }])),
        })
      },
    )
  },
  { name: '@kelmah/health' },
)
