/**
 * W3C Trace Context `traceparent` values (`00-<trace-id>-<parent-id>-<flags>`): made at the
 * gateway (or the first service a request reaches), passed to each upstream as an HTTP header,
 * kept in the event envelope (`traceparent`) and restored by the consumer, so one trace id follows
 * a user action across HTTP and the bus (docs/architecture.md, Events; docs/operations.md, Traces).
 *
 * Two ways to make them, one carrier. With the OpenTelemetry SDK running in the process
 * (service-kit's `@kelmah/service-kit/telemetry`, on when `OTEL_EXPORTER_OTLP_ENDPOINT` is set)
 * every hop is a real span and {@link traceparentOf} / {@link contextOfTraceparent} move its
 * context in and out of the envelope with OpenTelemetry's own W3C propagator. Without the SDK
 * {@link childTraceparent} gives each hop a fresh parent id, so the ids still follow the action
 * through logs and envelopes at no cost.
 *
 * @see https://www.w3.org/TR/trace-context/#traceparent-header
 */
import { randomBytes } from 'node:crypto'
import {
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  trace,
  type Context,
} from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'

/** A version-00 `traceparent`: lower-case hex, trace id and parent id not all zeros. */
export const TRACEPARENT_PATTERN = '^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$'
const TRACEPARENT = new RegExp(TRACEPARENT_PATTERN)

/** True when `value` is a valid version-00 `traceparent`. */
export function isTraceparent(value: unknown): value is string {
  return typeof value === 'string' && TRACEPARENT.test(value)
}

/** The trace id (32 hex digits) of a valid `traceparent`. */
export function traceIdOf(traceparent: string): string {
  return traceparent.slice(3, 35)
}

/**
 * A `traceparent` for a new hop: the same trace id and flags as `parent` with a fresh parent id
 * (this hop's span), or a new trace (sampled) when `parent` is missing or invalid. The no-SDK
 * way; with the SDK on, hops are spans and their ids come from {@link traceparentOf}.
 */
export function childTraceparent(parent?: unknown): string {
  const span = randomBytes(8).toString('hex')
  if (isTraceparent(parent)) return `00-${traceIdOf(parent)}-${span}-${parent.slice(53, 55)}`
  return `00-${randomBytes(16).toString('hex')}-${span}-01`
}

/** OpenTelemetry's W3C Trace Context propagator: the envelope's `traceparent` in and out. */
const w3c = new W3CTraceContextPropagator()

/**
 * True when an OpenTelemetry SDK is tracing in this process: it registered a global propagator
 * that speaks W3C `traceparent` (the API alone, without an SDK, registers none). Cheap (an array
 * lookup), so callers ask per request or message instead of caching a start-up answer.
 */
export function tracingActive(): boolean {
  return propagation.fields().includes('traceparent')
}

/**
 * The `traceparent` of the span in `ctx` (default: the active context), or `undefined` when
 * `ctx` holds no valid span — always the case without an SDK, which keeps no active context.
 */
export function traceparentOf(ctx: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {}
  w3c.inject(ctx, carrier, defaultTextMapSetter)
  return carrier.traceparent
}

/**
 * `base` (default: the root context) with `traceparent` as its remote parent span, so a span
 * started in it continues that trace; `undefined` when `traceparent` is missing or malformed.
 */
export function contextOfTraceparent(
  traceparent: unknown,
  base: Context = ROOT_CONTEXT,
): Context | undefined {
  if (!isTraceparent(traceparent)) return undefined
  const ctx = w3c.extract(base, { traceparent }, defaultTextMapGetter)
  return trace.getSpanContext(ctx) ? ctx : undefined
}
