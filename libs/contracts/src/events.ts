/**
 * The event catalogue: one entry per event type, holding its routing key, version and the JSON
 * Schema of its payload. TypeScript types are derived from these schemas (`EventOf<'UserRegistered'>`),
 * so there is no hand-kept twin to drift (issue 2 §4).
 *
 * Routing keys are `<producer>.<aggregate>.<fact>` (DESIGN §4: `job.contract.signed`). Consumers
 * bind to routing keys, so a key is as stable as the type name.
 *
 * Tolerant reader: consumers read only the fields they need; producers may add optional fields
 * within a version. A breaking change is a new `version` entry, never an edit of a published one.
 */
import Type, { type Static, type TSchema } from 'typebox'
import { envelopeSchema } from './envelope.js'

const Id = Type.String({ minLength: 1, maxLength: 64 })
const Email = Type.String({ format: 'email', maxLength: 254 })
const Role = Type.Union([Type.Literal('hirer'), Type.Literal('worker'), Type.Literal('admin')])

/** One catalogue entry. */
export interface EventDefinition<D extends TSchema = TSchema> {
  /** AMQP routing key on the `kelmah.events` exchange. */
  routingKey: string
  /** Current schema version of the event. */
  version: number
  /** JSON Schema of `data`. */
  data: D
}

function define<D extends TSchema>(routingKey: string, data: D, version = 1): EventDefinition<D> {
  return { routingKey, version, data }
}

/** Every event type the platform knows, by name. */
export const catalogue = {
  // auth
  UserRegistered: define(
    'auth.user.registered',
    Type.Object({ userId: Id, email: Email, name: Type.String({ minLength: 1 }), role: Role }),
  ),
  EmailVerified: define('auth.email.verified', Type.Object({ userId: Id, email: Email })),
  PasswordChanged: define(
    'auth.password.changed',
    Type.Object({ userId: Id, reason: Type.Union([Type.Literal('change'), Type.Literal('reset')]) }),
  ),
  UserDeactivated: define('auth.user.deactivated', Type.Object({ userId: Id })),
  /**
   * A free-form event for exercising the bus itself (tests, smoke checks). Never consumed by a
   * service.
   */
  BusProbed: define(
    'test.bus.probed',
    Type.Object({
      n: Type.Integer(),
      note: Type.Optional(Type.String()),
      fail: Type.Optional(Type.String()),
    }),
  ),
} as const

/** The name of an event type in the catalogue. */
export type EventType = keyof typeof catalogue
/** The payload type of event `T`. */
export type EventData<T extends EventType> = Static<(typeof catalogue)[T]['data']>

/** The full envelope type of event `T`. */
export interface EventOf<T extends EventType> {
  id: string
  type: T
  version: number
  occurredAt: string
  producer: import('./envelope.js').Producer
  correlationId?: string
  causationId?: string
  data: EventData<T>
}

/** Any event of the catalogue (a discriminated union on `type`). */
export type DomainEvent = { [T in EventType]: EventOf<T> }[EventType]

/** The envelope JSON Schema of every event type, by name (for validators and docs). */
export const envelopeSchemas = Object.fromEntries(
  Object.entries(catalogue).map(([type, def]) => [type, envelopeSchema(type, def.version, def.data)]),
) as unknown as Record<EventType, TSchema>

/** True when `type` names an event in the catalogue. */
export function isEventType(type: string): type is EventType {
  return Object.hasOwn(catalogue, type)
}
