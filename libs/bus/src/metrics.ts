/**
 * The bus's metric hooks: what {@link Bus} and {@link OutboxRelay} report, as a small interface
 * with no metrics library behind it, so the bus stays usable without one. service-kit implements
 * it with prom-client (`libs/service-kit/src/metrics.ts`) and passes it as `BusOptions.metrics`;
 * without it the bus reports to {@link noBusMetrics}.
 *
 * Every hook is called on the hot path and must be cheap and never throw.
 */

/** What became of one delivered message (one count per delivery, retries included). */
export type ConsumeOutcome =
  /** The handler's effect is durable and the message was acked. */
  | 'handled'
  /** The inbox already had the event id: acked without running the handler. */
  | 'duplicate'
  /** The handler failed and a copy went to the next retry queue. */
  | 'retried'
  /** The message was parked in `<queue>.dlq` (invalid, non-retryable or retries spent). */
  | 'dead_lettered'
  /** It could not even be moved on (broker trouble): returned to the queue. */
  | 'requeued'

/** Hooks the bus calls; implement them to count. */
export interface BusMetrics {
  /** A publish of an event of `type` ended: confirmed by the broker, or failed (nack, timeout, closed). */
  published(type: string, outcome: 'confirmed' | 'failed'): void
  /** A message delivered from main queue `queue` ended with `outcome`. */
  consumed(queue: string, outcome: ConsumeOutcome): void
  /** A handler for `type` on `queue` ran for `seconds` and resolved (`ok`) or threw. */
  handled(queue: string, type: string, seconds: number, ok: boolean): void
}

/** Hooks that count nothing (the default). */
export const noBusMetrics: BusMetrics = {
  published: () => undefined,
  consumed: () => undefined,
  handled: () => undefined,
}

/** The backlog an {@link OutboxRelay} knows of (see `OutboxRelay.backlog()`). */
export interface OutboxBacklog {
  /** Entries read from documents by this relay and not yet confirmed and removed. */
  pending: number
  /** `occurredAt` (epoch ms) of the oldest of them; undefined when there are none. */
  oldestOccurredAtMs: number | undefined
}

/** Message count of one of the bus's queues, as the broker reported it (`Bus.queueDepths()`). */
export interface QueueDepth {
  /** The consumer's main queue `<service>.<purpose>` (the label dashboards group by). */
  queue: string
  /** Which of its queues: the main queue or its dead-letter queue. */
  kind: 'main' | 'dlq'
  /** Messages ready in it (not counting those delivered and unacked). */
  messages: number
}
