/**
 * `GET /health`: every routed service's readiness (`GET <upstream>/health/ready`, answered within
 * `PROBE_TIMEOUT_MS`), per service `up`/`down` and overall; 503 while any is down. The gateway's
 * own readiness (Redis) stays at service-kit's `/health/ready`, so an orchestrator never pulls
 * the gateway because a service behind it is down.
 *
 * Concurrent calls share one round of probes, so a burst of health checks costs the upstreams one.
 */
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import Type from 'typebox'
import type { RoutedService } from '../routes.js'

/** One service's probe result. */
export interface ServiceHealth {
  status: 'up' | 'down'
  /** Milliseconds the probe took. */
  latencyMs: number
  /** Why it is down: `timeout`, `HTTP 503`, an error code such as `ECONNREFUSED`. */
  reason?: string
}

const ServiceHealthSchema = Type.Object({
  status: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  latencyMs: Type.Integer(),
  reason: Type.Optional(Type.String()),
})
const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  services: Type.Record(Type.String(), ServiceHealthSchema),
})

/**
 * Probe one upstream's `/health/ready`.
 *
 * @param timeoutMs - give up (and report `down`, reason `timeout`) after this many milliseconds
 */
export async function probeService(upstream: string, timeoutMs: number): Promise<ServiceHealth> {
  const started = performance.now()
  const latencyMs = () => Math.round(performance.now() - started)
  try {
    const res = await fetch(`${upstream}/health/ready`, { signal: AbortSignal.timeout(timeoutMs) })
    await res.body?.cancel()
    return res.ok
      ? { status: 'up', latencyMs: latencyMs() }
      : { status: 'down', latencyMs: latencyMs(), reason: `HTTP ${res.status}` }
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } }
    const reason = e.name === 'TimeoutError' ? 'timeout' : (e.cause?.code ?? e.message)
    return { status: 'down', latencyMs: latencyMs(), reason }
  }
}

/** Fastify plugin: `GET /health` over `services`. */
export const upstreamHealth = fp<{ services: RoutedService[]; timeoutMs: number }>(
  function upstreamHealth(app: FastifyInstance, opts, registered) {
    let inFlight: Promise<Record<string, ServiceHealth>> | undefined
    const probeAll = async () => {
      const results = await Promise.all(
        opts.services.map(async (s) => [s.service, await probeService(s.upstream, opts.timeoutMs)] as const),
      )
      return Object.fromEntries(results)
    }
    app.get(
      '/health',
      {
        logLevel: 'warn',
        schema: {
          summary: 'Readiness of every service behind the gateway',
          tags: ['gateway'],
          response: { 200: HealthSchema, 503: HealthSchema },
        },
      },
      async (_request, reply) => {
        inFlight ??= probeAll().finally(() => {
          inFlight = undefined
        })
        const services = await inFlight
        const ok = Object.values(services).every((s) => s.status === 'up')
        return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', services })
      },
    )
    registered()
  },
  { name: 'kelmah-gateway-health' },
)
