/**
 * The event envelope every domain event travels in (docs/architecture.md, Events).
 *
 * ```
 * { id: uuid, type: "ContractSigned", version: 1, occurredAt: ISO-8601, producer: "job",
 *   correlationId, causationId, data: { ... } }
 * ```
 *
 * `correlationId` ties every event of one user action together (it is the HTTP request id of the
 * request that started the chain); `causationId` is the id of the event (or request) that directly
 * caused this one. Both are optional strings so that a first event in a chain can omit the cause.
 * `traceparent` (optional, W3C Trace Context) carries the trace of the request across the bus.
 *
 * @see https://github.com/cloudevents/spec — the field names follow CloudEvents' spirit, not its wire format.
 */
import Type, { type Static, type TSchema } from 'typebox'
import { TRACEPARENT_PATTERN } from './trace.js'

/** The services that may produce events: the `producer` field of the envelope. */
export const PRODUCERS = ['auth', 'user', 'job', 'messaging', 'payment', 'review', 'test'] as const
export type Producer = (typeof PRODUCERS)[number]
export const Producer = Type.Union(PRODUCERS.map((p) => Type.Literal(p)))

/** True when `name` is one of {@link PRODUCERS}. */
export function isProducer(name: string): name is Producer {
  return (PRODUCERS as readonly string[]).includes(name)
}

/**
 * Build the JSON Schema of one event type's envelope.
 *
 * @param type - the event type name, a past-tense fact (`UserRegistered`)
 * @param version - the schema version; a breaking change is a new version, never an edit
 * @param data - the JSON Schema of the `data` payload
 */
export function envelopeSchema<T extends string, V extends number, D extends TSchema>(
  type: T,
  version: V,
  data: D,
) {
  return Type.Object(
    {
      id: Type.String({ format: 'uuid' }),
      type: Type.Literal(type),
      version: Type.Literal(version),
      occurredAt: Type.String({ format: 'date-time' }),
      producer: Producer,
      correlationId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
      causationId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
      /** W3C trace context of the hop that made the event (src/trace.ts); the consumer continues it. */
      traceparent: Type.Optional(Type.String({ pattern: TRACEPARENT_PATTERN })),
      data,
    },
    { additionalProperties: false, $id: `kelmah:event:${type}:v${version}` },
  )
}

/** Envelope fields without the payload: what every event shares, whatever its type. */
export const AnyEnvelope = Type.Object({
  id: Type.String({ format: 'uuid' }),
  type: Type.String({ minLength: 1 }),
  version: Type.Integer({ minimum: 1 }),
  occurredAt: Type.String({ format: 'date-time' }),
  producer: Producer,
  correlationId: Type.Optional(Type.String()),
  causationId: Type.Optional(Type.String()),
  traceparent: Type.Optional(Type.String()),
  data: Type.Unknown(),
})
export type AnyEnvelope = Static<typeof AnyEnvelope>
