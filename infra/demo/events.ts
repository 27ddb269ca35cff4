/**
 * Watching the event bus from outside, as an operator would: a temporary, exclusive,
 * auto-deleted queue bound to the `kelmah.events` topic exchange with `#` (every routing key).
 * It only listens — it never acks on behalf of a service (its own queue, `noAck`), so it changes
 * nothing for the services' consumers.
 */
import amqp from 'amqplib'

/** The envelope fields read here (docs/architecture.md, Events). */
export interface SeenEvent {
  id: string
  type: string
  occurredAt?: string
  producer?: string
  correlationId?: string
  data: Record<string, unknown>
}

/** A running tap. */
export interface EventTap {
  /** Every event seen so far, in arrival order. */
  readonly events: SeenEvent[]
  /** Resolve with the first event (seen or future) matching `pred`. @throws Error on timeout */
  waitFor(pred: (e: SeenEvent) => boolean, timeoutMs?: number): Promise<SeenEvent>
  /** Delete the queue and close the connection. */
  close(): Promise<void>
}

/** Options of {@link tapEvents}. */
export interface TapOptions {
  amqpUrl: string
  /** Topic exchange (default `kelmah.events`). */
  exchange?: string
  /** Called for each event as it arrives. */
  onEvent?: (event: SeenEvent) => void
}

/**
 * Start watching every event published on the exchange.
 *
 * @throws Error when the broker cannot be reached
 */
export async function tapEvents(options: TapOptions): Promise<EventTap> {
  const conn = await amqp.connect(options.amqpUrl)
  conn.on('error', () => undefined)
  const ch = await conn.createChannel()
  const exchange = options.exchange ?? 'kelmah.events'
  await ch.assertExchange(exchange, 'topic', { durable: true })
  const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true })
  await ch.bindQueue(queue, exchange, '#')
  const events: SeenEvent[] = []
  const waiters = new Set<{ pred: (e: SeenEvent) => boolean; resolve: (e: SeenEvent) => void }>()
  await ch.consume(
    queue,
    (msg) => {
      if (!msg) return
      let event: SeenEvent
      try {
        event = JSON.parse(msg.content.toString()) as SeenEvent
      } catch {
        return // not an event of ours
      }
      events.push(event)
      options.onEvent?.(event)
      for (const w of waiters) {
        if (w.pred(event)) {
          waiters.delete(w)
          w.resolve(event)
        }
      }
    },
    { noAck: true },
  )
  return {
    events,
    waitFor(pred, timeoutMs = 10_000) {
      const seen = events.find(pred)
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const w = {
          pred,
          resolve: (e: SeenEvent) => {
            clearTimeout(timer)
            resolve(e)
          },
        }
        const timer = setTimeout(() => {
          waiters.delete(w)
          reject(
            new Error(
              `no matching event within ${timeoutMs} ms; saw ${events.map((e) => e.type).join(', ') || 'none'}`,
            ),
          )
        }, timeoutMs)
        waiters.add(w)
      })
    },
    async close() {
      await conn.close().catch(() => undefined)
    },
  }
}

/** Id-like fields worth printing, in this order (the rest of `data` is left out). */
const KEY_FIELDS = [
  'userId',
  'role',
  'jobId',
  'applicationId',
  'contractId',
  'milestoneId',
  'hirerId',
  'workerId',
  'conversationId',
  'participantIds',
  'messageId',
  'senderId',
  'recipientId',
  'createdBy',
  'escrowId',
  'paymentIntentId',
  'payoutId',
  'stripeTransferId',
  'reviewId',
  'authorId',
  'subjectId',
  'authorRole',
  'amount',
  'platformFee',
  'total',
  'preview',
  'profileVersion',
  'average',
  'count',
  'bayesianScore',
  'sequence',
  'status',
  'reason',
]

/** `ContractSigned contractId=… jobId=…` — the type and the key ids of an event, on one line. */
export function describeEvent(event: SeenEvent): string {
  const data = event.data ?? {}
  // Free text (a message preview) is quoted, so the line still reads as key=value pairs.
  // Money (`{amountMinor, currency}`) as `"126000 USD"` (minor units).
  const show = (v: unknown): string => {
    if (v && typeof v === 'object' && 'amountMinor' in v && 'currency' in v) {
      return show(`${String(v.amountMinor)} ${String(v.currency)}`)
    }
    return typeof v === 'string' && /\s/.test(v) ? JSON.stringify(v) : String(v)
  }
  const parts = KEY_FIELDS.filter((k) => data[k] !== undefined && data[k] !== null).map(
    (k) => `${k}=${show(data[k])}`,
  )
  return [event.type, ...parts].join(' ')
}
