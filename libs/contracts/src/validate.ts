/**
 * Event validation, on publish and on consume (docs/architecture.md, Events), with ajv compiled validators built
 * once per event type.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { randomUUID } from 'node:crypto'
import type { Producer } from './envelope.js'
import { childTraceparent } from './trace.js'
import {
  catalogue,
  envelopeSchemas,
  isEventType,
  type EventData,
  type EventOf,
  type EventType,
} from './events.js'

// ajv-formats is CommonJS: under nodenext its default import is the module object or the plugin.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv,
) => Ajv
const ajv = new Ajv({ allErrors: true, strict: false })
addFormats(ajv)

const validators = new Map<string, ValidateFunction>()
function validatorFor(type: EventType): ValidateFunction {
  let v = validators.get(type)
  if (!v) {
    v = ajv.compile(envelopeSchemas[type])
    validators.set(type, v)
  }
  return v
}

/** Thrown when an event does not match its schema. Never retryable: the same bytes fail again. */
export class EventValidationError extends Error {
  override readonly name = 'EventValidationError'
  /** ajv's errors, or empty when the type itself is unknown. */
  readonly errors: ErrorObject[]
  constructor(message: string, errors: ErrorObject[] = []) {
    super(message)
    this.errors = errors
  }
}

/**
 * Check that `event` is a well-formed envelope of a known type whose `data` matches its schema.
 *
 * @returns the same object, typed
 * @throws EventValidationError naming the first offending field
 */
export function validateEvent(event: unknown): EventOf<EventType> {
  const type = (event as { type?: unknown } | null)?.type
  if (typeof type !== 'string' || !isEventType(type)) {
    throw new EventValidationError(`unknown event type ${JSON.stringify(type)}`)
  }
  const validate = validatorFor(type)
  if (!validate(event)) {
    const first = validate.errors?.[0]
    const where = first?.instancePath || '/'
    throw new EventValidationError(
      `invalid ${type} event: ${where} ${first?.message ?? 'is invalid'}`,
      validate.errors ?? [],
    )
  }
  return event as EventOf<EventType>
}

/**
 * Where an event comes from: the producing service and the chain it belongs to. One type for
 * every producer — an HTTP request makes one with `eventContextOf(request)` (service-kit), an
 * event handler gets one from the bus derived from the event it handles.
 *
 * - `correlationId` ties every event of one user action together: the id of the HTTP request
 *   that started the chain, kept unchanged by every handler down the chain.
 * - `causationId` is the id of the event that directly caused this one (absent for the first
 *   event of a chain, which a request caused).
 */
export interface EventContext {
  /** The service producing the event (the envelope's `producer`). */
  producer: Producer
  correlationId?: string
  causationId?: string
  /** W3C `traceparent` of the hop making the event (src/trace.ts), kept in the envelope. */
  traceparent?: string
}

/** {@link EventContext} plus overrides tests use. */
export interface CreateEventOptions extends EventContext {
  /** Override for tests; defaults to now. */
  occurredAt?: Date
  /** Override for tests; defaults to a random UUID v4. */
  id?: string
}

/**
 * The context of events caused by handling `event`: the same correlation id (or the event's own
 * id when it had none), and the event as cause.
 */
export function contextFromEvent(
  event: { id: string; correlationId?: string | undefined; traceparent?: string | undefined },
  producer: Producer,
): EventContext {
  return {
    producer,
    correlationId: event.correlationId ?? event.id,
    causationId: event.id,
    // The handler is a new hop of the event's trace (or starts one for an event that had none).
    traceparent: childTraceparent(event.traceparent),
  }
}

/**
 * Make a validated envelope for event `type`: `createEvent('JobClosed', { jobId }, ctx)` with the
 * {@link EventContext} of the request or the handled event. Only `producer`, `correlationId`,
 * `causationId`, `traceparent`, `occurredAt` and `id` are read from `ctx`, so a bus handler context can be
 * passed as it is.
 *
 * @throws EventValidationError when `data` does not match the type's schema
 */
export function createEvent<T extends EventType>(
  type: T,
  data: EventData<T>,
  ctx: CreateEventOptions,
): EventOf<T> {
  const event = {
    id: ctx.id ?? randomUUID(),
    type,
    version: catalogue[type].version,
    occurredAt: (ctx.occurredAt ?? new Date()).toISOString(),
    producer: ctx.producer,
    ...(ctx.correlationId ? { correlationId: ctx.correlationId } : {}),
    ...(ctx.causationId ? { causationId: ctx.causationId } : {}),
    ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
    data,
  }
  validateEvent(event)
  return event
}

/** The AMQP routing key of an event type. */
export function routingKeyOf(type: EventType): string {
  return catalogue[type].routingKey
}
