/**
 * W3C trace context per request: `request.traceparent` is this hop's `traceparent` — the trace of
 * the incoming `traceparent` header with a new parent id, or a new trace when there is none (a
 * request straight to the gateway). `eventContextOf(request)` puts it into the events the request
 * causes, and the bus hands it to their consumers (`@kelmah/contracts` src/trace.ts), so one
 * trace id follows a user action from the gateway through every service and across the bus.
 * The gateway forwards its own to the upstream (gateway/src/plugins/proxy.ts).
 *
 * @see https://www.w3.org/TR/trace-context/
 */
import { childTraceparent } from '@kelmah/contracts'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyRequest {
    /** This hop's W3C `traceparent` (`00-<trace id>-<span id>-<flags>`). */
    traceparent: string
  }
}

/** Fastify plugin: sets `request.traceparent` first thing on every request. */
export const traceContext = fp(
  async function traceContext(app: FastifyInstance) {
    app.decorateRequest('traceparent', '')
    app.addHook('onRequest', (request, _reply, done) => {
      request.traceparent = childTraceparent(request.headers.traceparent)
      done()
    })
  },
  { name: '@kelmah/trace-context' },
)
