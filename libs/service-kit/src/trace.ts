/**
 * W3C trace context per request: `request.traceparent` is this hop's `traceparent`.
 * `eventContextOf(request)` puts it into the events the request causes, and the bus hands it to
 * their consumers (`@kelmah/contracts` src/trace.ts), so one trace id follows a user action from
 * the gateway through every service and across the bus. The gateway forwards its own to the
 * upstream (gateway/src/plugins/proxy.ts).
 *
 * - With the OpenTelemetry SDK running (`node --import @kelmah/service-kit/telemetry`, on when
 *   `OTEL_EXPORTER_OTLP_ENDPOINT` is set; src/telemetry.ts) it is the HTTP server span that
 *   OpenTelemetry's http instrumentation opened from the incoming `traceparent` header, and this
 *   plugin names that span by its route (`GET /jobs/:id`, the `http.route` attribute).
 * - Without it, the trace of the incoming header with a new parent id, or a new trace when there
 *   is none (a request straight to the gateway).
 *
 * @see https://www.w3.org/TR/trace-context/
 */
import { childTraceparent, traceparentOf, tracingActive } from '@kelmah/contracts'
import { context, trace, type TracerProvider } from '@opentelemetry/api'
import { getRPCMetadata, RPCType } from '@opentelemetry/core'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyRequest {
    /** This hop's W3C `traceparent` (`00-<trace id>-<span id>-<flags>`). */
    traceparent: string
  }
}

/** The SDK's provider behind the API's proxy, when it can flush (sdk-trace's does). */
function flushableProvider(): { forceFlush(): Promise<void> } | undefined {
  const proxy = trace.getTracerProvider() as TracerProvider & { getDelegate?: () => TracerProvider }
  const provider = (proxy.getDelegate?.() ?? proxy) as TracerProvider & { forceFlush?: () => Promise<void> }
  return typeof provider.forceFlush === 'function' ? (provider as { forceFlush(): Promise<void> }) : undefined
}

/**
 * Fastify plugin: sets `request.traceparent` first thing on every request; with the SDK on, names
 * the server span by its route and, when the app closes (graceful shutdown), flushes the spans
 * not yet exported.
 */
export const traceContext = fp(
  async function traceContext(app: FastifyInstance) {
    app.decorateRequest('traceparent', '')
    app.addHook('onRequest', (request, _reply, done) => {
      const active = tracingActive() ? context.active() : undefined
      const own = active && traceparentOf(active)
      if (own) {
        request.traceparent = own
        // The route, not the URL, names the span (low cardinality); the http instrumentation
        // reads it when the response ends (its documented hook for frameworks).
        const rpc = getRPCMetadata(active)
        const route = request.routeOptions.url
        if (rpc?.type === RPCType.HTTP && route) rpc.route = route
      } else {
        request.traceparent = childTraceparent(request.headers.traceparent)
      }
      done()
    })
    app.addHook('onClose', async () => {
      if (tracingActive()) await flushableProvider()?.forceFlush()
    })
  },
  { name: '@kelmah/trace-context' },
)
