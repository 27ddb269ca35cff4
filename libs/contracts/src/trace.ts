/**
 * W3C Trace Context `traceparent` values (`00-<trace-id>-<parent-id>-<flags>`): made at the
 * gateway (or the first service a request reaches), passed to each upstream as an HTTP header,
 * kept in the event envelope (`traceparent`) and restored by the consumer, so one trace id follows
 * a user action across HTTP and the bus (docs/architecture.md, Events).
 *
 * @see https://www.w3.org/TR/trace-context/#traceparent-header
 */
import { randomBytes } from 'node:crypto'

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
 * (this hop's span), or a new trace (sampled) when `parent` is missing or invalid.
 */
export function childTraceparent(parent?: unknown): string {
  const span = randomBytes(8).toString('hex')
  if (isTraceparent(parent)) return `00-${traceIdOf(parent)}-${span}-${parent.slice(53, 55)}`
  return `00-${randomBytes(16).toString('hex')}-${span}-01`
}
