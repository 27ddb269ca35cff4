/**
 * The one way a service process starts and stops (used by every `src/server.ts`).
 */
import closeWithGrace from 'close-with-grace'
import type { FastifyInstance } from 'fastify'
import { startMetricsServer } from './metrics.js'

/** Where to listen and how long a graceful shutdown may take. */
export interface RunOptions {
  port: number
  host: string
  /** Milliseconds to drain before the process is forced out (default 10 000). */
  graceMs?: number
}

/**
 * Listen — and serve `/metrics` on `app.metrics.port` when it is set (src/metrics.ts) — and on SIGTERM/SIGINT (or an uncaught error) shut down gracefully: stop accepting,
 * let in-flight requests finish, then close the bus, Redis and MongoDB (Fastify `onClose` hooks
 * registered by `buildService`), all within `graceMs`.
 *
 * @returns the address listened on
 */
export async function runService(app: FastifyInstance, opts: RunOptions): Promise<string> {
  closeWithGrace({ delay: opts.graceMs ?? 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
  })
  const address = await app.listen({ port: opts.port, host: opts.host })
  if (app.hasDecorator('metrics') && app.metrics.port) {
    const served = await startMetricsServer(app, { port: app.metrics.port, host: opts.host })
    app.log.info({ url: `${served.url}/metrics` }, 'serving metrics')
  }
  return address
}
