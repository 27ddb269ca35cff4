/**
 * The OpenTelemetry Node SDK, started by src/telemetry.ts only when traces are exported
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`), so a process without it never loads a byte of this.
 *
 * - Instrumentations: http (server spans from the incoming `traceparent`, client spans that
 *   send it on; the service kit names server spans by route, src/trace.ts), mongodb (every
 *   command mongoose sends, without its values) and ioredis (the command name only). Messaging
 *   spans come from the bus itself (libs/bus src/bus.ts), because the event envelope, not the
 *   AMQP headers, carries the trace. Fastify's own instrumentations (`@fastify/otel`,
 *   `@opentelemetry/instrumentation-fastify`) need `@opentelemetry/core` 2, whose API peer range
 *   (< 1.10) excludes the 1.10 this SDK needs, so they are left out.
 * - ESM: the apps are ES modules, and `import` does not pass through the `require` hook the
 *   instrumentations patch with, so import-in-the-middle's loader hook is registered first
 *   (`module.register`, Node ≥ 20.6), told to wrap only the modules an instrumentation asks for
 *   (`createAddHookMessageChannel`), not every module the app loads.
 * - Export: OTLP over HTTP, protobuf unless `OTEL_EXPORTER_OTLP_PROTOCOL` says `http/json` or
 *   `grpc`, batched (`OTEL_BSP_*`); sampling per `OTEL_TRACES_SAMPLER` (default: parent-based,
 *   always on). Everything else the SDK reads from the standard `OTEL_*` variables.
 */
import { register } from 'node:module'
import { createAddHookMessageChannel } from 'import-in-the-middle'
import { isUntracedPath, sdkEnvDefaults, serviceNameOf } from './telemetry-config.js'

/** What {@link startTelemetry} started: stop it to flush and end exporting. */
export interface Telemetry {
  /** Flush the spans not yet exported and stop (idempotent). */
  shutdown(): Promise<void>
}

/**
 * Register the ESM hook, then start the SDK with the http, mongodb and ioredis
 * instrumentations. Call before the app imports anything it instruments (the `--import` module
 * does).
 */
export async function startTelemetry(env: NodeJS.ProcessEnv = process.env): Promise<Telemetry> {
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel()
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions)
  Object.assign(env, sdkEnvDefaults(env))

  const [{ NodeSDK }, { HttpInstrumentation }, { MongoDBInstrumentation }, { IORedisInstrumentation }] =
    await Promise.all([
      import('@opentelemetry/sdk-node'),
      import('@opentelemetry/instrumentation-http'),
      import('@opentelemetry/instrumentation-mongodb'),
      import('@opentelemetry/instrumentation-ioredis'),
    ])
  const sdk = new NodeSDK({
    serviceName: serviceNameOf(env),
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => isUntracedPath(request.url) }),
      new MongoDBInstrumentation({ enhancedDatabaseReporting: false }),
      new IORedisInstrumentation({ dbStatementSerializer: (command) => command }),
    ],
  })
  sdk.start()
  // The loader thread must know every hooked module before the app's first import.
  await waitForAllMessagesAcknowledged()
  let stopped: Promise<void> | undefined
  return { shutdown: () => (stopped ??= sdk.shutdown()) }
}
