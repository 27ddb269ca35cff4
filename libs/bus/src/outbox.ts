/**
 * The transactional outbox without transactions (docs/architecture.md, Events): pending events ride
 * in the SAME single-document write as the state change, in an `outbox` array field of the
 * aggregate's document, so either both are stored or neither. {@link OutboxRelay} publishes them
 * with confirms after the write and removes each entry only after its confirm.
 *
 * Entries are `{ id, routingKey, body }` with `body` the JSON envelope as a string: removal is an
 * exact-match `$pullAll`, which works on MongoDB 7 and FerretDB 1.24 alike (FerretDB 1.24's
 * `$pull` with a condition does not), and a string compares exactly where a nested object could
 * differ in key order.
 *
 * ```ts
 * JobSchema.plugin(outboxPlugin)
 * const res = await Job.updateOne(
 *   { _id: jobId, status: 'open' },                       // the guard
 *   withOutbox({ $set: { status: 'closed' } }, [createEvent('JobClosed', …)]),
 * )
 * if (res.modifiedCount === 1) relay.kick()              // no write, no event
 * ```
 */
import { randomUUID } from 'node:crypto'
import { context, ROOT_CONTEXT } from '@opentelemetry/api'
import { routingKeyOf, validateEvent, type DomainEvent } from '@kelmah/contracts'
import { Schema, type Model, type mongo } from 'mongoose'
import type { Logger } from 'pino'
import type { Bus } from './bus.js'
import { isDuplicateKey } from './errors.js'
import type { OutboxBacklog } from './metrics.js'

/** Any mongoose model, whatever its type parameters (the relay reads and writes it untyped). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModel = Model<any, any, any, any, any, any, any>

/** One pending event inside a document. */
export interface OutboxEntry {
  /** The event id. */
  id: string
  /** Its routing key (for operators reading the document; the relay derives it again). */
  routingKey: string
  /** The event envelope as a JSON string. */
  body: string
}

/** Fields {@link outboxPlugin} adds to a schema. */
export interface OutboxFields {
  outbox: OutboxEntry[]
}

/** Collection (on each model's connection) holding relay leases: `{ _id: "<collection>:<docId>", owner, until }`. */
export const OUTBOX_LEASES_COLLECTION = 'outbox_leases'

interface LeaseRecord {
  _id: string
  owner: string
  until: Date
}

/**
 * Mongoose schema plugin adding the `outbox` field: an array of {@link OutboxEntry}, no
 * sub-document `_id`, so entries stay exactly as written.
 *
 * No index is added: the relay's sweep `{ 'outbox.0': { $exists: true } }` cannot use one. On a
 * large collection add a sparse index on `outbox.id` in the service and keep the sweep interval
 * generous; `kick()` after each write does the prompt work.
 */
export function outboxPlugin(schema: Schema): void {
  const entry = new Schema<OutboxEntry>(
    {
      id: { type: String, required: true },
      routingKey: { type: String, required: true },
      body: { type: String, required: true },
    },
    { _id: false },
  )
  schema.add({ outbox: { type: [entry], default: [] } })
  // Remember which documents were written, so `kick()` relays those by `_id` instead of scanning
  // the collection (see {@link noteOutboxWrite}).
  schema.post('save', function (doc: { _id?: unknown; constructor: unknown }) {
    noteOutboxWrite(doc.constructor as object, doc._id)
  })
  schema.post('insertMany', function (this: object, docs: unknown) {
    for (const doc of (docs as Array<{ _id?: unknown }> | undefined) ?? []) noteOutboxWrite(this, doc._id)
  })
  schema.post(
    ['updateOne', 'replaceOne'],
    function (this: { model: object; getFilter(): Record<string, unknown> }) {
      noteFilterWrite(this.model, this.getFilter())
    },
  )
  schema.post(
    ['findOneAndUpdate', 'findOneAndReplace'],
    function (this: { model: object; getFilter(): Record<string, unknown> }, res: { _id?: unknown } | null) {
      if (res && res._id !== undefined) noteOutboxWrite(this.model, res._id)
      else noteFilterWrite(this.model, this.getFilter())
    },
  )
  schema.post('updateMany', function (this: { model: object }) {
    needsScan.add(this.model)
  })
  schema.post('bulkWrite', function (this: object) {
    needsScan.add(this)
  })
}

/** Documents written since the last relay pass, by model: `String(_id)` → `_id`. */
const writtenIds = new WeakMap<object, Map<string, unknown>>()
/** Models written in a way that names no single document (`updateMany`, a filter without `_id`). */
const needsScan = new WeakSet<object>()

/**
 * Tell the relays that `model`'s document `id` may have new outbox entries, so the next `kick()`
 * relays it with an `_id` lookup instead of scanning the collection. Writes through mongoose models
 * using {@link outboxPlugin} are noted automatically; call this after a write through the native
 * driver (`Model.collection.insertOne(...)`). Without it, such a write is still relayed, by the
 * next periodic sweep.
 *
 * Why: on FerretDB 1.24 (SQLite) only a filter that is exactly `{_id}` reaches the database; the
 * sweep's `{'outbox.0': {$exists: true}}` decodes every document of the collection (1–3 s for a
 * few thousand documents here), and a scan per write left every request queued behind it.
 */
export function noteOutboxWrite(model: object, id: unknown): void {
  if (id === undefined || id === null) {
    needsScan.add(model)
    return
  }
  let ids = writtenIds.get(model)
  if (!ids) writtenIds.set(model, (ids = new Map<string, unknown>()))
  ids.set((id as { toString(): string }).toString(), id)
}

function noteFilterWrite(model: object, filter: Record<string, unknown> | undefined): void {
  const id = filter?._id
  const single =
    typeof id === 'string' ||
    typeof id === 'number' ||
    (typeof id === 'object' && id !== null && (id as { _bsontype?: string })._bsontype === 'ObjectId')
  if (single) noteOutboxWrite(model, id)
  else needsScan.add(model)
}

/** Take (and forget) what was noted for `model` since the last call. */
function takeNoted(model: object): { ids: unknown[]; scan: boolean } {
  const ids = writtenIds.get(model)
  const taken = ids ? [...ids.values()] : []
  ids?.clear()
  const scan = needsScan.has(model)
  needsScan.delete(model)
  return { ids: taken, scan }
}

/**
 * Turn events into outbox entries. Validation happens here, before the write, so a bad event
 * fails the request instead of poisoning the outbox.
 *
 * @throws EventValidationError when an event breaks its schema
 */
export function toOutbox(events: readonly DomainEvent[]): OutboxEntry[] {
  return events.map((event) => {
    const valid = validateEvent(event)
    return { id: valid.id, routingKey: routingKeyOf(valid.type), body: JSON.stringify(valid) }
  })
}

/**
 * The `$push` that appends `events` to a document's outbox, to spread into an update:
 * `{ $set: {...}, ...outboxPush(events) }`. Use {@link withOutbox} when the update already has
 * a `$push`.
 *
 * @throws EventValidationError when an event breaks its schema
 */
export function outboxPush(events: readonly DomainEvent[]): { $push: { outbox: { $each: OutboxEntry[] } } } {
  return { $push: { outbox: { $each: toOutbox(events) } } }
}

/**
 * `update` with `events` appended to the outbox, merging into an existing `$push`.
 *
 * @throws EventValidationError when an event breaks its schema
 */
export function withOutbox<U extends Record<string, unknown>>(update: U, events: readonly DomainEvent[]): U {
  const push = {
    ...((update.$push as Record<string, unknown> | undefined) ?? {}),
    ...outboxPush(events).$push,
  }
  return { ...update, $push: push }
}

/** Options of {@link OutboxRelay}. */
export interface OutboxRelayOptions {
  /** The bus to publish through (started by the caller). */
  bus: Pick<Bus, 'publish'>
  /** Models whose schemas use {@link outboxPlugin} (more can be added with `add()`). */
  models: readonly Model<any>[] // eslint-disable-line @typescript-eslint/no-explicit-any
  /** pino logger. */
  logger: Logger
  /** Sweep period in milliseconds: how soon events a crashed process left behind go out. Default 5000. */
  intervalMs?: number
  /**
   * Lease on a document's outbox in milliseconds. Longer than relaying one document takes (its
   * entries' publishes and confirms); another instance takes over after it expires. Default 30 000.
   */
  leaseMs?: number
  /** Documents taken per model per pass. Default 100. */
  batchSize?: number
}

/**
 * Relays outbox entries to the bus: finds documents with pending entries, leases each one,
 * publishes the entries with confirms, then `$pullAll`s exactly those entries and drops the lease.
 *
 * The lease is a document in `outbox_leases` with `_id: "<collection>:<docId>"`, taken by an
 * insert: a unique `_id` is the one check FerretDB 1.24 enforces under concurrency. (A guarded
 * `findOneAndUpdate` on a lease field of the aggregate itself had several winners out of 8
 * concurrent tries on FerretDB 1.24/SQLite, which does not isolate concurrent updates of one
 * document, and it added relay writes to the aggregate, which race the service's own.) An expired
 * lease (a crashed relay) is deleted and taken again.
 *
 * Runs on `kick()` (call it after a write: it relays the documents written since the last pass,
 * looked up by `_id` — see {@link noteOutboxWrite}) and every `intervalMs` (the sweep: a query for
 * every document with pending entries, which picks up what a crashed process or another instance
 * left, and writes made without a note).
 *
 * FerretDB 1.24 caveat: its updates are read-modify-write without isolation, so the relay's
 * `$pullAll` racing a service write to the same document can lose that write (state change and
 * new outbox entry together; measured 12 of 30 forced races). MongoDB 7 applies both. On FerretDB
 * (dev/CI only) avoid writing a document again within milliseconds of its `kick()`.
 *
 * At least once: an entry can be published twice (a crash after the confirm and before the pull,
 * an expired lease); consumers dedupe by event id. Never lost: an entry leaves the document only
 * after its confirm.
 *
 * Works through the models' native collections, so no mongoose middleware runs on relay writes.
 */
export class OutboxRelay {
  readonly #bus: Pick<Bus, 'publish'>
  readonly #models = new Set<AnyModel>()
  readonly #logger: Logger
  readonly #intervalMs: number
  readonly #leaseMs: number
  readonly #batchSize: number
  readonly #owner = randomUUID()
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #again = false
  #sweepWanted = true
  #stopped = true
  /** Per lease id: the entries this relay read from that document and has not removed yet. */
  readonly #backlog = new Map<string, { pending: number; oldestMs: number | undefined }>()

  constructor(options: OutboxRelayOptions) {
    this.#bus = options.bus
    for (const model of options.models) this.#models.add(model)
    this.#logger = options.logger.child({ component: 'outbox-relay' })
    this.#intervalMs = options.intervalMs ?? 5000
    this.#leaseMs = options.leaseMs ?? 30_000
    this.#batchSize = options.batchSize ?? 100
  }

  /** Relay `model`'s outbox too (a model whose schema uses {@link outboxPlugin}). Idempotent. */
  add(model: AnyModel): void {
    this.#models.add(model)
  }

  /** Start sweeping every `intervalMs`, with a first pass at once. Idempotent. */
  start(): void {
    if (!this.#stopped) return
    this.#stopped = false
    this.#timer = setInterval(() => void this.sweep(), this.#intervalMs)
    this.#timer.unref()
    void this.sweep()
  }

  /** Run a full sweep now (or right after the pass running): every document with pending entries. */
  sweep(): Promise<void> {
    this.#sweepWanted = true
    return this.kick()
  }

  /**
   * Run a relay pass now (or right after the one running). Never throws; failures are logged and
   * the next pass tries again. Returns when that pass is over (handy in tests).
   */
  kick(): Promise<void> {
    if (this.#stopped) return Promise.resolve()
    if (this.#running) {
      this.#again = true
      return this.#running
    }
    // A pass relays the events of many requests: it runs outside the context of the one that
    // kicked it, so its bookkeeping is in no request's trace; each publish gets its parent from
    // its own envelope's traceparent (src/bus.ts).
    this.#running = context
      .with(ROOT_CONTEXT, async () => {
        do {
          this.#again = false
          const sweep = this.#sweepWanted
          this.#sweepWanted = false
          await this.#pass(sweep).catch((err: unknown) =>
            this.#logger.error({ err }, 'outbox relay pass failed'),
          )
        } while (this.#again && !this.#stopped)
      })
      .finally(() => {
        this.#running = undefined
      })
    return this.#running
  }

  /**
   * The outbox backlog this relay knows of, for the metrics (`kelmah_outbox_pending`,
   * `kelmah_outbox_oldest_age_seconds`): entries it read from documents and has not yet had
   * confirmed and removed — a broker that is down, a publish that keeps failing — with the
   * `occurredAt` of the oldest. Updated as each document is relayed (at every kick and sweep);
   * documents another instance holds the lease of are reported by that instance. Entries beyond a
   * sweep's `batchSize` are not seen until an earlier batch clears.
   */
  backlog(): OutboxBacklog {
    let pending = 0
    let oldest: number | undefined
    for (const b of this.#backlog.values()) {
      pending += b.pending
      if (b.oldestMs !== undefined && (oldest === undefined || b.oldestMs < oldest)) oldest = b.oldestMs
    }
    return { pending, oldestOccurredAtMs: oldest }
  }

  #noteBacklog(leaseId: string, entries: readonly OutboxEntry[]): void {
    if (entries.length === 0) {
      this.#backlog.delete(leaseId)
      return
    }
    let oldestMs: number | undefined
    for (const entry of entries) {
      const at = Date.parse((JSON.parse(entry.body) as { occurredAt?: string }).occurredAt ?? '')
      if (Number.isFinite(at) && (oldestMs === undefined || at < oldestMs)) oldestMs = at
    }
    this.#backlog.set(leaseId, { pending: entries.length, oldestMs })
  }

  /** Stop sweeping and wait for the pass in progress. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
    await this.#running
  }

  async #pass(sweep: boolean): Promise<void> {
    for (const model of this.#models) {
      if (this.#stopped) return
      const noted = takeNoted(model)
      const targets = new Map(noted.ids.map((id) => [String(id), id]))
      if (sweep || noted.scan) {
        const pending = await model.collection
          .find({ 'outbox.0': { $exists: true } }, { projection: { _id: 1 } })
          .limit(this.#batchSize)
          .toArray()
        for (const { _id } of pending) targets.set(String(_id), _id)
      }
      for (const _id of targets.values()) {
        if (this.#stopped) return
        await this.#relayDocument(model, _id as mongo.ObjectId)
      }
    }
  }

  async #relayDocument(model: AnyModel, _id: mongo.ObjectId): Promise<void> {
    const collection = model.collection as unknown as mongo.Collection<OutboxFields & { _id: mongo.ObjectId }>
    const leases = model.db.collection<LeaseRecord>(OUTBOX_LEASES_COLLECTION)
    const leaseId = `${collection.collectionName}:${String(_id)}`
    // A noted write often carried no event: look before taking a lease (an insert and a delete).
    const peek = await collection.findOne({ _id }, { projection: { outbox: 1 } })
    if (!peek?.outbox?.length) {
      this.#backlog.delete(leaseId)
      return
    }
    if (!(await this.#takeLease(leases, leaseId))) {
      this.#backlog.delete(leaseId) // another instance is on it (and reports it)
      return
    }
    try {
      const doc = await collection.findOne({ _id }, { projection: { outbox: 1 } })
      const entries = doc?.outbox ?? []
      this.#noteBacklog(leaseId, entries)
      const published: OutboxEntry[] = []
      for (const entry of entries) {
        try {
          await this.#bus.publish(JSON.parse(entry.body) as DomainEvent)
          published.push(entry)
        } catch (err) {
          // Keep it (and the rest, to keep their order); the next pass — a kick too — tries again.
          noteOutboxWrite(model, _id)
          this.#logger.error(
            { err, collection: collection.collectionName, _id, eventId: entry.id },
            'outbox entry not published',
          )
          break
        }
      }
      if (published.length > 0) {
        await collection.updateOne({ _id }, { $pullAll: { outbox: published } })
        this.#noteBacklog(leaseId, entries.slice(published.length))
        this.#logger.debug(
          { collection: collection.collectionName, _id, count: published.length },
          'outbox relayed',
        )
      }
    } finally {
      await leases.deleteOne({ _id: leaseId, owner: this.#owner }).catch((err: unknown) => {
        this.#logger.warn({ err, leaseId }, 'could not drop outbox lease; it expires by itself')
      })
    }
  }

  /** Take the lease `leaseId`: insert it, or replace it once expired. True when taken. */
  async #takeLease(leases: mongo.Collection<LeaseRecord>, leaseId: string): Promise<boolean> {
    const now = Date.now()
    const lease = { _id: leaseId, owner: this.#owner, until: new Date(now + this.#leaseMs) }
    for (let tries = 0; tries < 2; tries++) {
      try {
        await leases.insertOne(lease)
        return true
      } catch (err) {
        if (!isDuplicateKey(err)) throw err
      }
      // Held: take it over only if it expired (its holder crashed or hung).
      const { deletedCount } = await leases.deleteOne({ _id: leaseId, until: { $lte: new Date(now) } })
      if (deletedCount === 0) return false
    }
    return false
  }
}
