/**
 * Event probes: a temporary queue bound to the events exchange that records what is published,
 * so a test can assert "this action published that event" against the real broker.
 */
import amqp from 'amqplib'
import type { AnyEnvelope } from '@kelmah/contracts'
import { testEnv } from './env.js'

/** A recording of events seen on the exchange. */
export interface EventProbe {
  events: AnyEnvelope[]
  /** Resolve with the first (already seen or future) event matching `pred`. */
  waitFor(pred: (e: AnyEnvelope) => boolean, timeoutMs?: number): Promise<AnyEnvelope>
  close(): Promise<void>
}

/**
 * Start recording events.
 *
 * @param opts.exchange - default `kelmah.events`
 * @param opts.bindings - routing-key patterns, default `#` (everything)
 */
export async function eventProbe(
  opts: { exchange?: string; bindings?: string[]; amqpUrl?: string } = {},
): Promise<EventProbe> {
  const conn = await amqp.connect(opts.amqpUrl ?? testEnv().amqpUrl)
  const ch = await conn.createChannel()
  const exchange = opts.exchange ?? 'kelmah.events'
  await ch.assertExchange(exchange, 'topic', { durable: true })
  const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true })
  for (const key of opts.bindings ?? ['#']) await ch.bindQueue(queue, exchange, key)
  const events: AnyEnvelope[] = []
  const waiters = new Set<{ pred: (e: AnyEnvelope) => boolean; resolve: (e: AnyEnvelope) => void }>()
  await ch.consume(
    queue,
    (msg) => {
      if (!msg) return
      const event = JSON.parse(msg.content.toString()) as AnyEnvelope
      events.push(event)
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
        const w = { pred, resolve: (e: AnyEnvelope) => (clearTimeout(timer), resolve(e)) }
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
