/**
 * The consumer inbox: which events a queue has already handled, so a redelivered or duplicated
 * event is acked without running its handler again (docs/architecture.md, Events: effects exactly
 * once).
 *
 * One document per handled event in collection `inbox` of the service's own database:
 * `{ _id: "<queue>:<eventId>", queue, eventId, type, handledAt }`. The `_id` makes the record
 * unique without a second index and works the same on MongoDB 7 and FerretDB 1.24.
 *
 * No TTL index (FerretDB 1.24 has none): prune old records with a periodic
 * `deleteMany({ handledAt: { $lt: cutoff } })` if the collection grows too large; anything older
 * than the broker could still redeliver is safe to drop.
 */
import type { Collection, Connection } from 'mongoose'
import { isDuplicateKey } from './errors.js'

/** Name of the inbox collection. */
export const INBOX_COLLECTION = 'inbox'

/** One inbox record. */
export interface InboxRecord {
  /** `<queue>:<eventId>` */
  _id: string
  queue: string
  eventId: string
  type: string
  handledAt: Date
}

/** The inbox key of event `eventId` consumed from `queue`. */
export function inboxKey(queue: string, eventId: string): string {
  return `${queue}:${eventId}`
}

/** Inbox operations on one mongoose connection. */
export class Inbox {
  readonly #collection: Collection<InboxRecord>

  /** @param connection - the service's mongoose connection; the `inbox` collection lives there */
  constructor(connection: Connection) {
    this.#collection = connection.collection<InboxRecord>(INBOX_COLLECTION)
  }

  /** True when `queue` already handled event `eventId`. */
  async has(queue: string, eventId: string): Promise<boolean> {
    const found = await this.#collection.findOne(
      { _id: inboxKey(queue, eventId) },
      { projection: { _id: 1 } },
    )
    return found !== null
  }

  /**
   * Record that `queue` handled event `eventId`. Recording twice is not an error (a concurrent
   * duplicate on another instance may have won).
   */
  async record(queue: string, eventId: string, type: string): Promise<void> {
    try {
      await this.#collection.insertOne({
        _id: inboxKey(queue, eventId),
        queue,
        eventId,
        type,
        handledAt: new Date(),
      })
    } catch (err) {
      if (!isDuplicateKey(err)) throw err
    }
  }
}
