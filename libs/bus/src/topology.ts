/**
 * Names and declarations of the RabbitMQ topology every Kelmah service shares
 * (docs/architecture.md, Events).
 *
 * ```
 * kelmah.events (topic, durable)
 *   └─ binding <routing key> ─▶ <service>.<purpose>            main queue, durable
 *                                  │ handler error, attempt n ≤ budget
 *                                  ▼ (republished with confirms through the default exchange)
 *                               <service>.<purpose>.retry.<ms>  one per delay, x-message-ttl = ms,
 *                                  │ TTL expires                 dead-letters to the main queue
 *                                  ▼
 *                               <service>.<purpose>             attempt n + 1
 *                                  │ budget spent, NonRetryableError or invalid message
 *                                  ▼
 *                               <service>.<purpose>.dlq         parked until an operator replays it
 * ```
 *
 * One retry queue per delay keeps every message in a queue on the same TTL, so expiry happens in
 * queue order (RabbitMQ only expires messages at the head of a queue).
 *
 * @see https://www.rabbitmq.com/docs/ttl — per-queue message TTL
 * @see https://www.rabbitmq.com/docs/dlx — dead-letter exchanges
 */
import type { Channel, ConsumeMessage, Options } from 'amqplib'

/** The shared event exchange (docs/architecture.md, Events). Tests pass their own name to stay isolated. */
export const DEFAULT_EXCHANGE = 'kelmah.events'

/** Default growing retry delays in milliseconds: three retries, so at most four attempts. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1000, 5000, 30000]

/**
 * Headers the bus writes on messages it moves between queues. Names are `x-kelmah-*` so that
 * they never clash with RabbitMQ's own `x-death` / `x-first-death-*` headers.
 */
export const HEADERS = {
  /** Attempt number of the next delivery, 1-based (absent on the first delivery). */
  attempt: 'x-kelmah-attempt',
  /** Routing key the event was first published with (retry and dead-letter hops change it). */
  routingKey: 'x-kelmah-routing-key',
  /** Message of the last error (on dead-lettered messages; truncated to 1000 characters). */
  error: 'x-kelmah-error',
  /** Name of the last error's class (on dead-lettered messages). */
  errorName: 'x-kelmah-error-name',
  /** Attempts made before the message was dead-lettered. */
  attempts: 'x-kelmah-attempts',
  /** ISO-8601 time the message was dead-lettered. */
  failedAt: 'x-kelmah-failed-at',
  /** The main queue the message was dead-lettered from (replay target). */
  queue: 'x-kelmah-queue',
} as const

/** The queue names of one consumer. */
export interface QueueNames {
  /** `<service>.<purpose>` — bound to the exchange. */
  main: string
  /** `<service>.<purpose>.retry.<ms>` — one per retry delay, in the order of the delays. */
  retry: string[]
  /** `<service>.<purpose>.dlq` — dead letters. */
  dlq: string
}

const NAME_PART = /^[a-z0-9][a-z0-9_-]*$/

/**
 * The queue names of consumer `purpose` of `service`.
 *
 * @param service - the consuming service (`payment`), lower-case letters, digits, `-`, `_`
 * @param purpose - what the consumer does (`release-on-approval`), same alphabet
 * @param retryDelaysMs - retry delays in milliseconds
 * @throws TypeError when a name part has characters outside that alphabet (dots would make
 *   `<service>.<purpose>` ambiguous)
 */
export function queueNames(service: string, purpose: string, retryDelaysMs: readonly number[]): QueueNames {
  for (const [what, value] of [
    ['service', service],
    ['purpose', purpose],
  ] as const) {
    if (!NAME_PART.test(value)) {
      throw new TypeError(
        `${what} ${JSON.stringify(value)} must match ${NAME_PART} (it becomes part of a queue name)`,
      )
    }
  }
  const main = `${service}.${purpose}`
  return { main, retry: retryDelaysMs.map((ms) => retryQueueName(main, ms)), dlq: dlqName(main) }
}

/** `<queue>.dlq`: the dead-letter queue of main queue `queue`. */
export function dlqName(queue: string): string {
  return `${queue}.dlq`
}

/** `<queue>.retry.<ms>`: the retry queue of main queue `queue` for a delay of `delayMs` milliseconds. */
export function retryQueueName(queue: string, delayMs: number): string {
  return `${queue}.retry.${delayMs}`
}

/**
 * Check retry delays: whole milliseconds, each at least 1.
 *
 * @throws RangeError naming the bad value
 */
export function checkRetryDelays(retryDelaysMs: readonly number[]): void {
  for (const ms of retryDelaysMs) {
    if (!Number.isInteger(ms) || ms < 1)
      throw new RangeError(`retry delay ${ms} must be a whole number of milliseconds ≥ 1`)
  }
}

/** Declare the durable topic exchange. Idempotent. */
export async function assertExchange(channel: Channel, exchange: string): Promise<void> {
  await channel.assertExchange(exchange, 'topic', { durable: true })
}

/**
 * Declare one consumer's queues and bind its main queue to `routingKeys` on `exchange`.
 * Idempotent, so it runs again on every reconnect.
 *
 * The main queue dead-letters to its DLQ as a safety net: the bus itself always parks messages
 * by publishing them (to keep the error in headers), but a broker-side rejection (for example a
 * quorum queue's delivery limit) then still lands in the DLQ instead of being dropped.
 *
 * Queue arguments cannot change once a queue exists (RabbitMQ answers 406 PRECONDITION_FAILED),
 * which is why a retry queue's name carries its delay.
 */
export async function assertConsumerTopology(
  channel: Channel,
  exchange: string,
  names: QueueNames,
  retryDelaysMs: readonly number[],
  routingKeys: readonly string[],
  queueType: QueueType = 'classic',
): Promise<void> {
  const typed = queueArguments(queueType)
  await assertExchange(channel, exchange)
  await channel.assertQueue(names.dlq, { durable: true, arguments: typed.plain })
  await channel.assertQueue(names.main, {
    durable: true,
    deadLetterExchange: '',
    deadLetterRoutingKey: names.dlq,
    arguments: typed.deadLettering,
  })
  for (const [i, ms] of retryDelaysMs.entries()) {
    await channel.assertQueue(names.retry[i], {
      durable: true,
      messageTtl: ms,
      deadLetterExchange: '',
      deadLetterRoutingKey: names.main,
      arguments: typed.deadLettering,
    })
  }
  for (const key of routingKeys) await channel.bindQueue(names.main, exchange, key)
}

/**
 * `classic` or `quorum` (`BusOptions.queueType`, `AMQP_QUEUE_TYPE`): the type of every queue the
 * bus declares.
 *
 * @see https://www.rabbitmq.com/docs/quorum-queues
 */
export type QueueType = 'classic' | 'quorum'

/**
 * The `x-` arguments of the two kinds of queue for `queueType`: `plain` (the DLQ) and
 * `deadLettering` (main and retry queues, which dead-letter to another queue). A quorum queue
 * that dead-letters uses `at-least-once` dead-lettering — the expired retry message is only
 * removed after the main queue confirms it (the default, at-most-once, may drop it on a leader
 * change) — which RabbitMQ allows only with `x-overflow: reject-publish` (RabbitMQ ≥ 3.10).
 *
 * @see https://www.rabbitmq.com/docs/quorum-queues#dead-lettering
 */
export function queueArguments(queueType: QueueType): {
  plain: Record<string, unknown>
  deadLettering: Record<string, unknown>
} {
  if (queueType === 'classic') return { plain: {}, deadLettering: {} }
  return {
    plain: { 'x-queue-type': 'quorum' },
    deadLettering: {
      'x-queue-type': 'quorum',
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    },
  }
}

const MAX_HEADER_TEXT = 1000

/** Headers worth carrying to the next hop: everything except RabbitMQ's own death records. */
export function ownHeaders(headers: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k === 'x-death' || k.startsWith('x-first-death') || k.startsWith('x-last-death')) continue
    out[k] = v
  }
  return out
}

/** `text` cut to what fits a header value (amqplib refuses header tables over 64 KiB). */
export function truncateHeader(text: string): string {
  // amqplib 2.3 refuses header tables over 64 KiB; a stack-sized message must not break parking.
  return text.length > MAX_HEADER_TEXT ? `${text.slice(0, MAX_HEADER_TEXT)}…` : text
}

/**
 * Publish options for a copy of `msg` sent on to a retry queue or the DLQ: its own properties
 * and headers (less RabbitMQ's death records) plus `extra` headers.
 */
export function forwardOptions(msg: ConsumeMessage, extra: Record<string, unknown>): Options.Publish {
  return {
    persistent: true,
    contentType: (msg.properties.contentType as string | undefined) ?? 'application/json',
    headers: { ...ownHeaders(msg.properties.headers), ...extra },
    ...(msg.properties.messageId ? { messageId: String(msg.properties.messageId) } : {}),
    ...(msg.properties.type ? { type: String(msg.properties.type) } : {}),
    ...(msg.properties.correlationId ? { correlationId: String(msg.properties.correlationId) } : {}),
    ...(msg.properties.timestamp ? { timestamp: Number(msg.properties.timestamp) } : {}),
  }
}
