/**
 * Event validation, on publish and on consume (issue 2 §4), with ajv compiled validators built
 * once per event type.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { randomUUID } from 'node:crypto'
import type { Producer } from './envelope.js'
import {
  catalogue,
  envelopeSchemas,
  isEventType,
  type EventData,
  type EventOf,
  type EventType,
} from './events.js'

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default
const ajv = new Ajv({ allErrors: true, strict: false })
;(addFormats.default ?? addFormats)(ajv)

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

/** Options for {@link createEvent}. */
export interface CreateEventOptions {
  producer: Producer
  /** The request id (or the correlation id of the event being handled). */
  correlationId?: string
  /** The id of the event or request that caused this one. */
  causationId?: string
  /** Override for tests; defaults to now. */
  occurredAt?: Date
  /** Override for tests; defaults to a random UUID v4. */
  id?: string
}

/**
 * Make a validated envelope for event `type`.
 *
 * @throws EventValidationError when `data` does not match the type's schema
 */
export function createEvent<T extends EventType>(
  type: T,
  data: EventData<T>,
  opts: CreateEventOptions,
): EventOf<T> {
  const event = {
    id: opts.id ?? randomUUID(),
    type,
    version: catalogue[type].version,
    occurredAt: (opts.occurredAt ?? new Date()).toISOString(),
    producer: opts.producer,
    ...(opts.correlationId ? { correlationId: opts.correlationId } : {}),
    ...(opts.causationId ? { causationId: opts.causationId } : {}),
    data,
  }
  validateEvent(event)
  return event as EventOf<T>
}

/** The AMQP routing key of an event type. */
export function routingKeyOf(type: EventType): string {
  return catalogue[type].routingKey
}
