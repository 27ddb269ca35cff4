/**
 * Event injection for consumer tests: publish real events onto a (test) exchange, as a producer
 * service would, so a service's consumers are exercised through the real broker.
 */
import amqp from 'amqplib'
import { routingKeyOf, validateEvent, type DomainEvent } from '@kelmah/contracts'
import { testEnv } from './env.js'

/** A publisher of events onto one exchange. */
export interface EventPublisher {
  /**
   * Validate and publish `event` with its catalogue routing key (persistent, `messageId` = event
   * id), waiting for the broker's confirm. Publishing the same event twice simulates a redelivery.
   *
   * @throws EventValidationError when the event breaks its schema
   */
  publish(event: DomainEvent): Promise<void>
  close(): Promise<void>
}

/**
 * Open a confirm channel to `opts.exchange` (default `kelmah.events`), declaring it (durable topic)
 * if missing.
 */
export async function eventPublisher(
  opts: { exchange?: string; amqpUrl?: string } = {},
): Promise<EventPublisher> {
  const conn = await amqp.connect(opts.amqpUrl ?? testEnv().amqpUrl)
  const ch = await conn.createConfirmChannel()
  const exchange = opts.exchange ?? 'kelmah.events'
  await ch.assertExchange(exchange, 'topic', { durable: true })
  return {
    async publish(event) {
      const valid = validateEvent(event)
      await new Promise<void>((resolve, reject) => {
        ch.publish(
          exchange,
          routingKeyOf(valid.type),
          Buffer.from(JSON.stringify(valid)),
          { persistent: true, contentType: 'application/json', messageId: valid.id, type: valid.type },
          (err: unknown) =>
            err
              ? reject(err instanceof Error ? err : new Error('the broker did not confirm the publish'))
              : resolve(),
        )
      })
    },
    async close() {
      await conn.close().catch(() => undefined)
    },
  }
}
