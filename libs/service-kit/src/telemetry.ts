/**
 * Traces for a Kelmah process, loaded before the app:
 *
 * ```sh
 * node --import @kelmah/service-kit/telemetry dist/src/server.js          # image
 * node --conditions=development --import tsx --import @kelmah/service-kit/telemetry src/server.ts
 * ```
 *
 * With `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set it starts the
 * OpenTelemetry SDK (src/telemetry-sdk.ts) before the app's first import; without, it does
 * nothing and loads nothing else, and the home-made `traceparent` ids keep following each action
 * (src/trace.ts). Spans still buffered are flushed when the app closes (src/trace.ts) and, as a
 * last resort, when the process is about to exit on its own.
 */
import { telemetryEnabled } from './telemetry-config.js'

if (telemetryEnabled()) {
  const { startTelemetry } = await import('./telemetry-sdk.js')
  const telemetry = await startTelemetry()
  process.once('beforeExit', () => void telemetry.shutdown())
}
