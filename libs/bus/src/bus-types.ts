/**
 * The bus's public types: its options, the handler a consumer registers per event type
 * ({@link HandlerMap}) and what a handler is given ({@link HandlerContext}).
 */
import type { DomainEvent, EventContext, EventType, Producer } from '@kelmah/contracts'
import type { Connection } from 'mongoose'
import type { Logger } from 'pino'
import type { BusMetrics } from './metrics.js'
import type { QueueNames, QueueType } from './topology.js'

/** Options of {@link Bus}. */
export interface BusOptions {
  /** AMQP URL, e.g. `amqp://guest:guest@127.0.0.1:5672`. */
  url: string
  /** The service this bus belongs to; first part of every queue name (`<service>.<purpose>`). */
  service: string
  /**
   * The `producer` of events handlers cause ({@link HandlerContext}). Default `service` when it
   * is a known producer, else `test` (tests run services under unique names).
   */
  producer?: Producer
  /** pino logger; the bus logs through `logger.child({ component: 'bus' })`. */
  logger: Logger
  /** mongoose connection of the service's database; holds the `inbox` collection. */
  inbox: Connection
  /** Topic exchange name. Default `kelmah.events`; tests pass a unique one. */
  exchange?: string
  /** Default unacked messages per consumer (RabbitMQ `basic.qos`). Default 10. */
  prefetch?: number
  /**
   * Growing retry delays in milliseconds; their count is the retry budget (attempts = count + 1).
   * Default `[1000, 5000, 30000]`.
   */
  retryDelaysMs?: readonly number[]
  /** How long `publish()` waits for the broker's confirm, in milliseconds. Default 10 000. */
  publishTimeoutMs?: number
  /** Wait between reconnection attempts, in milliseconds. Default 1000. */
  reconnectDelayMs?: number
  /** AMQP heartbeat in seconds (0 disables). Default 5. */
  heartbeatSeconds?: number
  /** How long `start()` waits for the first connection, in milliseconds. Default 10 000. */
  connectTimeoutMs?: number
  /** Counters to report to (service-kit's prom-client metrics). Default: count nothing. */
  metrics?: BusMetrics
  /**
   * Type of every queue this bus declares — main, retry and dead-letter (`x-queue-type`):
   * `classic` (default) or `quorum` (replicated over a RabbitMQ cluster; RabbitMQ ≥ 3.10 for the
   * retry queues' message TTL). An existing queue keeps its type: RabbitMQ refuses (406) to
   * declare it as the other one, so switching means new queues (docs/operations.md).
   */
  queueType?: QueueType
}

/**
 * What a handler gets besides the event: the {@link EventContext} for the events it causes
 * (`correlationId` kept from the handled event, `causationId` = its id, `producer` = this
 * service) — pass it to `createEvent` as it is — plus delivery facts.
 */
export interface HandlerContext extends EventContext {
  /** 1 on the first delivery, then 2, 3, … on retries from the retry queues. */
  attempt: number
  /** True when the broker delivered this message before (a consumer died before acking it). */
  redelivered: boolean
  /** The main queue the message came from (`<service>.<purpose>`). */
  queue: string
  /** The routing key the event was published with. */
  routingKey: string
  /** Logger bound to the event id, type, queue and attempt. */
  logger: Logger
}

/** The event type(s) a handler receives: the members of the {@link DomainEvent} union named by `T`. */
export type EventFor<T extends EventType> = Extract<DomainEvent, { type: T }>

/**
 * An event handler. Resolve when the effect is durable; throw to retry
 * ({@link NonRetryableError} to dead-letter at once).
 *
 * **Make the effect idempotent.** The inbox record is written after the handler resolves, so a
 * crash (or a lost connection to MongoDB) between the effect and the record runs the handler again
 * on redelivery. Key the effect on `event.id`: a guarded update
 * (`updateOne({ _id, appliedEvents: { $ne: event.id } }, { …, $push: { appliedEvents: event.id } })`),
 * an insert with the event id as `_id`, or a natural unique key.
 */
export type Handler<T extends EventType> = (event: EventFor<T>, ctx: HandlerContext) => Promise<void>

/**
 * One handler per event type a consumer handles, keyed by type — the whole dispatch of a queue:
 * `{ ContractSigned: ContractSignedHandler, EscrowFunded: EscrowFundedHandler }`. The keys are
 * the bindings of the queue; each handler is typed for its own event.
 */
export type HandlerMap = { readonly [T in EventType]?: Handler<T> }

/** Per-subscription options. */
export interface SubscribeOptions {
  /** Unacked messages for this consumer; overrides the bus default. */
  prefetch?: number
}

/** A running subscription. */
export interface Subscription {
  /** The consumer's queue names. */
  readonly queues: QueueNames
}
