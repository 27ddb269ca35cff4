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
  /**
   * `true` while the outbox may hold entries (see {@link OUTBOX_PENDING_FIELD}); absent once the
   * relay emptied it.
   */
  outboxPending?: true
}

/**
 * The top-level flag the relay's sweep looks for: `{ outboxPending: true }`.
 *
 * Why a flag: the sweep's natural query, `{ 'outbox.0': { $exists: true } }`, is pushed down by
 * neither FerretDB backend (1.24 pushes only top-level scalar equality on PostgreSQL and only
 * `{_id}` on SQLite), so it fetched and decoded the whole collection every `intervalMs` (2.3–3.5 s
 * at 10,000 documents, docs/ferretdb.md). Equality on a top-level boolean is pushed into SQL on
 * PostgreSQL and served by the sparse `{ outboxPending: 1 }` index {@link outboxPlugin} declares on
 * MongoDB 7 (a sparse index holds only the documents with pending entries, since the relay
 * `$unset`s the flag).
 *
 * The flag is written by {@link outboxPlugin}'s middleware in the SAME update as the entries (every
 * mongoose write that pushes to or sets a non-empty `outbox`), and removed by the relay in the same
 * guarded update that empties the outbox: `{ _id, outbox: <exactly what it read> }`, so a write
 * that added an entry in between makes the guard miss and the flag stays. A write that bypasses
 * mongoose (the native driver, `bulkWrite`) carries no flag unless it sets one; the relay's full
 * sweep (`fullSweepMs`, and the first pass after `start()`) still finds such documents.
 */
export const OUTBOX_PENDING_FIELD = 'outboxPending'

/** Collection (on each model's connection) holding relay leases: `{ _id: "<collection>:<docId>", owner, until }`. */
export const OUTBOX_LEASES_COLLECTION = 'outbox_leases'

interface LeaseRecord {
  _id: string
  owner: string
  until: Date
}

type Update = Record<string, unknown>

/** Whether a mongoose update (operators or a replacement) writes outbox entries. */
function writesEntries(update: unknown): boolean {
  if (!update || typeof update !== 'object' || Array.isArray(update)) return false
  const u = update as Update
  const push: unknown = (u.$push as Update | undefined)?.outbox
  if (push !== undefined) {
    const each: unknown = push && typeof push === 'object' ? (push as Update).$each : undefined
    return Array.isArray(each) ? each.length > 0 : true
  }
  const set = (u.$set as Update | undefined)?.outbox ?? u.outbox
  return Array.isArray(set) && set.length > 0
}

/** `update` with the pending flag set alongside its outbox entries (operators or a replacement). */
function flagged(update: Update): Update {
  const isReplacement = !Object.keys(update).some((k) => k.startsWith('$'))
  if (isReplacement) return { ...update, [OUTBOX_PENDING_FIELD]: true }
  const unset = { ...((update.$unset as Update | undefined) ?? {}) }
  delete unset[OUTBOX_PENDING_FIELD]
  const out: Update = {
    ...update,
    $set: { ...(update.$set ?? {}), [OUTBOX_PENDING_FIELD]: true },
  }
  if (update.$unset) out.$unset = unset
  return out
}

interface QueryThis {
  model: object
  getFilter(): Record<string, unknown>
  getUpdate(): unknown
  setUpdate(update: unknown): void
}

/**
 * Mongoose schema plugin adding the `outbox` field — an array of {@link OutboxEntry}, no
 * sub-document `_id`, so entries stay exactly as written — and the sweep's flag
 * {@link OUTBOX_PENDING_FIELD} with its sparse index `{ outboxPending: 1 }`.
 *
 * Its middleware sets the flag in every write that adds entries (`save`/`create`, `insertMany`,
 * `updateOne`/`updateMany`/`findOneAndUpdate` with `$push: { outbox }`, replacements with a
 * non-empty `outbox`) and notes the written document for the relay's next `kick()` (see
 * {@link noteOutboxWrite}) — only writes that carried entries and changed a document, so the relay
 * no longer peeks at documents a write without events touched.
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
  schema.add({ outbox: { type: [entry], default: [] }, [OUTBOX_PENDING_FIELD]: { type: Boolean } })
  schema.index({ [OUTBOX_PENDING_FIELD]: 1 }, { sparse: true })

  // The flag rides in the same write as the entries.
  schema.pre('save', function (this: { outbox?: unknown[]; set(path: string, v: unknown): void }) {
    if (this.outbox?.length) this.set(OUTBOX_PENDING_FIELD, true)
  })
  schema.pre('insertMany', function (docs: unknown) {
    for (const doc of (Array.isArray(docs) ? docs : [docs]) as Array<Update | null>)
      if (doc && Array.isArray(doc.outbox) && doc.outbox.length > 0) doc[OUTBOX_PENDING_FIELD] = true
  })
  schema.pre(
    ['updateOne', 'updateMany', 'findOneAndUpdate', 'replaceOne', 'findOneAndReplace'],
    function (this: QueryThis) {
      const update = this.getUpdate()
      if (writesEntries(update)) this.setUpdate(flagged(update as Update))
    },
  )

  // Remember which documents got entries, so `kick()` relays those by `_id` instead of scanning.
  schema.post('save', function (doc: { _id?: unknown; outbox?: unknown[]; constructor: unknown }) {
    if (doc.outbox?.length) noteOutboxWrite(doc.constructor as object, doc._id)
  })
  schema.post('insertMany', function (this: object, docs: unknown) {
    for (const doc of (docs as Array<{ _id?: unknown; outbox?: unknown[] }> | undefined) ?? [])
      if (doc.outbox?.length) noteOutboxWrite(this, doc._id)
  })
  schema.post(
    ['updateOne', 'replaceOne'],
    function (
      this: QueryThis,
      res: { modifiedCount?: number; upsertedCount?: number; upsertedId?: unknown },
    ) {
      if (!writesEntries(this.getUpdate())) return
      if (res && !res.modifiedCount && !res.upsertedCount) return // the guard missed: nothing written
      if (res?.upsertedId !== undefined && res.upsertedId !== null)
        noteOutboxWrite(this.model, res.upsertedId)
      else noteFilterWrite(this.model, this.getFilter())
    },
  )
  schema.post(
    ['findOneAndUpdate', 'findOneAndReplace'],
    function (this: QueryThis, res: { _id?: unknown } | null) {
      if (!writesEntries(this.getUpdate()) || !res) return
      if (res._id !== undefined) noteOutboxWrite(this.model, res._id)
      else noteFilterWrite(this.model, this.getFilter())
    },
  )
  schema.post('updateMany', function (this: QueryThis, res: { modifiedCount?: number }) {
    if (writesEntries(this.getUpdate()) && (!res || res.modifiedCount !== 0)) needsSweep.add(this.model)
  })
  // bulkWrite's operations are not inspected (nor flagged): a full scan finds what they wrote.
  schema.post('bulkWrite', function (this: object) {
    needsFullScan.add(this)
  })
}

/** Documents written since the last relay pass, by model: `String(_id)` → `_id` and when noted. */
const writtenIds = new WeakMap<object, Map<string, { id: unknown; seq: number }>>()
/** Models written in a way that names no single document (`updateMany`, a filter without `_id`). */
const needsSweep = new WeakSet<object>()
/** Models written without the flag being set (`bulkWrite`). */
const needsFullScan = new WeakSet<object>()
/** Orders notes against the relay's reads (see `#relayDocument`). */
let noteSeq = 0

/**
 * Tell the relays that `model`'s document `id` may have new outbox entries, so the next `kick()`
 * relays it with an `_id` lookup instead of scanning the collection. Writes through mongoose models
 * using {@link outboxPlugin} are noted automatically; call this after a write through the native
 * driver (`Model.collection.insertOne(...)`). Without it, such a write is still relayed: by the
 * next sweep if it set {@link OUTBOX_PENDING_FIELD}, else by the next full sweep.
 *
 * Why: on FerretDB 1.24 (SQLite) only a filter that is exactly `{_id}` reaches the database, and a
 * scan per write left every request queued behind it.
 */
export function noteOutboxWrite(model: object, id: unknown): void {
  if (id === undefined || id === null) {
    needsSweep.add(model)
    return
  }
  let ids = writtenIds.get(model)
  if (!ids) writtenIds.set(model, (ids = new Map<string, { id: unknown; seq: number }>()))
  ids.set((id as { toString(): string }).toString(), { id, seq: ++noteSeq })
}

function noteFilterWrite(model: object, filter: Record<string, unknown> | undefined): void {
  const id = filter?._id
  const single =
    typeof id === 'string' ||
    typeof id === 'number' ||
    (typeof id === 'object' && id !== null && (id as { _bsontype?: string })._bsontype === 'ObjectId')
  if (single) noteOutboxWrite(model, id)
  else needsSweep.add(model)
}

/**
 * Forget the note for `model`'s document `key` if it was made at or before `seq`: the write it
 * stands for was acknowledged before the relay's read of that document was sent, so its entries
 * were in that read (and relayed). A later note stays for the next pass.
 */
function forgetNoteUpTo(model: object, key: string, seq: number): void {
  const ids = writtenIds.get(model)
  const note = ids?.get(key)
  if (note && note.seq <= seq) ids!.delete(key)
}

/** Take (and forget) whether `model` was written in a way that needs a sweep or a full scan. */
function takeSweepNeeds(model: object): { sweep: boolean; fullScan: boolean } {
  const sweep = needsSweep.has(model)
  needsSweep.delete(model)
  const fullScan = needsFullScan.has(model)
  needsFullScan.delete(model)
  return { sweep, fullScan }
}

/**
 * Take (and forget) up to `max` of the documents noted for `model`, oldest note first, leaving
 * those whose key is in `skip` (relayed earlier in this pass: their new notes wait for the next).
 */
function takeNotedIds(model: object, max: number, skip: ReadonlySet<string>): Map<string, unknown> {
  const taken = new Map<string, unknown>()
  const ids = writtenIds.get(model)
  if (!ids) return taken
  for (const [key, note] of ids) {
    if (taken.size >= max) break
    if (skip.has(key)) continue
    taken.set(key, note.id)
    ids.delete(key)
  }
  return taken
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
  /**
   * Sweep period in milliseconds: how soon events a crashed process left behind go out. The sweep
   * asks for `{ outboxPending: true }` (pushed down on FerretDB/PostgreSQL, an index on MongoDB).
   * Default 5000.
   */
  intervalMs?: number
  /**
   * Period of the full sweep in milliseconds, the safety net for documents with entries but no
   * {@link OUTBOX_PENDING_FIELD} (written by code before the flag, or by the native driver
   * without one): `{ 'outbox.0': { $exists: true } }`, which reads the whole collection on FerretDB.
   * Also the first pass after `start()`. Default 600 000 (10 minutes).
   */
  fullSweepMs?: number
  /**
   * Lease on a document's outbox in milliseconds. Longer than relaying one document takes (its
   * entries' publishes and confirms); another instance takes over after it expires. Default 30 000.
   */
  leaseMs?: number
  /** Documents taken per model per pass. Default 100. */
  batchSize?: number
}

/** What a pass looks for besides the noted documents. */
type SweepKind = 'none' | 'flagged' | 'full'

/** Rounds of publish-and-remove per document under one lease, for entries added meanwhile. */
const MAX_ROUNDS = 4

/**
 * Documents whose leases a pass takes in one `insertMany` and drops in one `deleteMany`, relayed
 * side by side with their first removals in one command; also a collection's share of each round
 * of a pass. Small enough that a batch is relayed well within `leaseMs` on a loaded machine (a
 * document takes a few ms to a few hundred ms there) and that a service's request waits behind at
 * most that many relay reads on the one connection.
 */
const LEASE_BATCH = 20

type OutboxDoc = OutboxFields & { _id: mongo.ObjectId }

type RemovalFilter = mongo.Filter<OutboxDoc>
type RemovalUpdate = mongo.UpdateFilter<OutboxDoc>

/** A document's part in a {@link RemovalBatch}. */
interface RemovalSlot {
  remove(filter: RemovalFilter, update: RemovalUpdate): Promise<boolean>
  leave(): void
}

/**
 * The first guarded removals of a batch's documents, sent as ONE unordered `update` command
 * (`bulkWrite` of `updateOne`s, each still guarded on the exact outbox its document was read
 * with) once every document of the batch has either handed its removal over or left without one
 * (its {@link RemovalBatch.slot}). The command reports how many statements matched, not which:
 * when all did, each document is done; when fewer did, every one of them is answered "not known
 * to have matched" and takes the careful path (`$pullAll` of exactly what it published, which is
 * a no-op for a document already emptied).
 */
class RemovalBatch {
  readonly #collection: mongo.Collection<OutboxDoc>
  #open: number
  readonly #waiting: Array<{
    filter: RemovalFilter
    update: RemovalUpdate
    resolve: (matched: boolean) => void
    reject: (err: unknown) => void
  }> = []

  /** @param participants - documents that will each take one {@link slot} */
  constructor(collection: mongo.Collection<OutboxDoc>, participants: number) {
    this.#collection = collection
    this.#open = participants
  }

  /**
   * One document's part in the batch: hand its guarded removal over (`remove`, resolving with
   * whether it is known to have matched) or leave without one (`leave`). Whichever comes first
   * counts; later calls of `leave` are no-ops, a second `remove` is sent on its own.
   */
  slot(): RemovalSlot {
    let used = false
    return {
      remove: (filter, update) => {
        if (used) return this.#collection.updateOne(filter, update).then((r) => r.matchedCount === 1)
        used = true
        const done = new Promise<boolean>((resolve, reject) => {
          this.#waiting.push({ filter, update, resolve, reject })
        })
        this.#open--
        this.#flushIfReady()
        return done
      },
      leave: () => {
        if (used) return
        used = true
        this.#open--
        this.#flushIfReady()
      },
    }
  }

  #flushIfReady(): void {
    if (this.#open > 0 || this.#waiting.length === 0) return
    const ops = this.#waiting.splice(0)
    const send =
      ops.length === 1
        ? this.#collection.updateOne(ops[0]!.filter, ops[0]!.update).then((r) => r.matchedCount === 1)
        : this.#collection
            .bulkWrite(
              ops.map((o) => ({ updateOne: { filter: o.filter, update: o.update } })),
              { ordered: false },
            )
            .then((r) => r.matchedCount === ops.length)
    send.then(
      (matched) => {
        for (const o of ops) o.resolve(matched)
      },
      (err: unknown) => {
        for (const o of ops) o.reject(err)
      },
    )
  }
}

/**
 * Relays outbox entries to the bus: finds documents with pending entries, leases each one,
 * publishes the entries with confirms, then removes exactly those entries and drops the lease.
 *
 * The lease is a document in `outbox_leases` with `_id: "<collection>:<docId>"`, taken by an
 * insert: a unique `_id` is the one check FerretDB 1.24 enforces under concurrency. (A guarded
 * `findOneAndUpdate` on a lease field of the aggregate itself had several winners out of 8
 * concurrent tries on FerretDB 1.24/SQLite, which does not isolate concurrent updates of one
 * document, and it added relay writes to the aggregate, which race the service's own.) An expired
 * lease (a crashed relay) is deleted and taken again.
 *
 * Runs on `kick()` (call it after a write: it relays the documents written with entries since the
 * last pass, looked up by `_id` — see {@link noteOutboxWrite}), every `intervalMs` (the sweep:
 * `{ outboxPending: true }`, which picks up what a crashed process or another instance left, and
 * writes made without a note) and every `fullSweepMs` (the full sweep, for entries without the
 * flag).
 *
 * Database round trips per relayed document (one connection, so each one also delays the
 * service's requests): take the lease (`insertOne`), read the outbox (`findOne` by `_id`),
 * publish, remove the entries and the flag in one guarded update, drop the lease (`deleteOne`) —
 * 4, where the relay before the flag took 5 (a peek before the lease, and `$pullAll` without the
 * flag). A pass over several documents takes up to {@link LEASE_BATCH} leases in one unordered
 * `insertMany`, relays those documents side by side (their reads, publishes and confirms overlap;
 * each document's own entries still go one after another), sends their guarded removals as ONE
 * unordered `update` command (each statement still guarded on the exact outbox its document was
 * read with; when fewer than all match, each takes the careful path below) and drops the leases
 * in one `deleteMany`: 1 round trip per document plus 3 per batch. A pass drains its documents
 * in rounds of a batch per collection in turn, so one collection's backlog does not hold another
 * collection's events back.
 * What was weighed and kept:
 *
 * - **The read after the lease stays.** The entries a write made are known to this process, but
 *   another instance may have relayed them (or older entries may precede them) between the write
 *   and the lease; publishing the remembered ones would send them twice, or out of order.
 * - **The lease delete stays.** A lease left to expire would keep every other instance off the
 *   document for `leaseMs`: the next write there, served by another instance, would wait for a
 *   sweep.
 * - **The peek before the lease is gone**: the plugin notes only writes that carried entries and
 *   changed a document, so a noted document nearly always has entries.
 * - **Removal is guarded on the exact outbox read** (`{ _id, outbox: entries }` →
 *   `$pullAll` + `$unset` of the flag): when it misses, an entry arrived meanwhile, and the relay
 *   `$pullAll`s only what it published (`findOneAndUpdate`, returning what is left) and relays the
 *   rest under the same lease — the flag is never cleared over an entry.
 *
 * FerretDB 1.24 caveat: its updates are read-modify-write without isolation, so the relay's
 * removal racing a service write to the same document can lose that write (state change and
 * new outbox entry together; measured 12 of 30 forced races). MongoDB 7 applies both. On FerretDB
 * (dev/CI only) avoid writing a document again within milliseconds of its `kick()`.
 *
 * At least once: an entry can be published twice (a crash after the confirm and before the
 * removal, an expired lease); consumers dedupe by event id. Never lost: an entry leaves the
 * document only after its confirm. In order: a document's entries are published in array order,
 * and a failed publish stops that document's round.
 *
 * Works through the models' native collections, so no mongoose middleware runs on relay writes.
 */
export class OutboxRelay {
  readonly #bus: Pick<Bus, 'publish'>
  readonly #models = new Set<AnyModel>()
  readonly #logger: Logger
  readonly #intervalMs: number
  readonly #fullSweepMs: number
  readonly #leaseMs: number
  readonly #batchSize: number
  readonly #owner = randomUUID()
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #again = false
  #sweepWanted: SweepKind = 'full'
  #lastFullSweep = 0
  #stopped = true
  /** Per lease id: the entries this relay read from that document and has not removed yet. */
  readonly #backlog = new Map<string, { pending: number; oldestMs: number | undefined }>()

  constructor(options: OutboxRelayOptions) {
    this.#bus = options.bus
    for (const model of options.models) this.#models.add(model)
    this.#logger = options.logger.child({ component: 'outbox-relay' })
    this.#intervalMs = options.intervalMs ?? 5000
    this.#fullSweepMs = options.fullSweepMs ?? 600_000
    this.#leaseMs = options.leaseMs ?? 30_000
    this.#batchSize = options.batchSize ?? 100
  }

  /** Relay `model`'s outbox too (a model whose schema uses {@link outboxPlugin}). Idempotent. */
  add(model: AnyModel): void {
    this.#models.add(model)
  }

  /** Start sweeping every `intervalMs`, with a first (full) pass at once. Idempotent. */
  start(): void {
    if (!this.#stopped) return
    this.#stopped = false
    this.#timer = setInterval(() => {
      void (Date.now() - this.#lastFullSweep >= this.#fullSweepMs ? this.fullSweep() : this.sweep())
    }, this.#intervalMs)
    this.#timer.unref()
    void this.fullSweep()
  }

  /**
   * Run a sweep now (or right after the pass running): every document flagged
   * {@link OUTBOX_PENDING_FIELD}.
   */
  sweep(): Promise<void> {
    if (this.#sweepWanted === 'none') this.#sweepWanted = 'flagged'
    return this.kick()
  }

  /**
   * Run a full sweep now (or right after the pass running): every document with entries, flagged
   * or not — a scan of each collection on FerretDB. `start()` and every `fullSweepMs` run one.
   */
  fullSweep(): Promise<void> {
    this.#sweepWanted = 'full'
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
          this.#sweepWanted = 'none'
          if (sweep === 'full') this.#lastFullSweep = Date.now()
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

  /**
   * One pass: the sweep's finds (when one is due) and the noted documents, drained in rounds —
   * each round takes up to {@link LEASE_BATCH} documents of every model in turn (noted ones
   * first, oldest note first, then the sweep's), so one collection's backlog does not hold the
   * others' events back (a `ContractSigned` behind thousands of `ApplicationSubmitted`). Notes made
   * during the pass join its next round, a document written again after it was relayed too; one
   * this pass left for later (a failed publish, rounds used up) waits for the next pass, so a
   * publish that keeps failing does not spin. A sweep asked for meanwhile ends the pass after its
   * round (the next pass runs it), so a long backlog does not hold the sweep off.
   */
  async #pass(sweep: SweepKind): Promise<void> {
    const found = new Map<AnyModel, Map<string, unknown>>()
    for (const model of this.#models) {
      if (this.#stopped) return
      const needs = takeSweepNeeds(model)
      const kind: SweepKind =
        sweep === 'full' || needs.fullScan ? 'full' : sweep === 'flagged' || needs.sweep ? 'flagged' : 'none'
      if (kind === 'none') continue
      const collection = model.collection as unknown as mongo.Collection<OutboxDoc>
      const filter: mongo.Filter<OutboxDoc> =
        kind === 'full' ? { 'outbox.0': { $exists: true } } : { [OUTBOX_PENDING_FIELD]: true as const }
      const docs = await collection
        .find(filter, { projection: { _id: 1, outbox: 1 } })
        .limit(this.#batchSize)
        .toArray()
      // A full batch of the full sweep may leave more: the next tick runs a full sweep again
      // (every tick runs the flagged one anyway).
      if (kind === 'full' && docs.length >= this.#batchSize) this.#lastFullSweep = 0
      const targets = new Map<string, unknown>()
      for (const doc of docs) {
        if (doc.outbox?.length) targets.set(String(doc._id), doc._id)
        else if (!writtenIds.get(model)?.has(String(doc._id))) await this.#clearFlag(collection, doc._id)
      }
      found.set(model, targets)
    }
    const later = new Map<AnyModel, Set<string>>()
    for (let any = true; any && this.#sweepWanted === 'none';) {
      any = false
      for (const model of [...this.#models]) {
        if (this.#stopped) return
        let done = later.get(model)
        if (!done) later.set(model, (done = new Set()))
        const batch = takeNotedIds(model, LEASE_BATCH, done)
        const rest = found.get(model)
        for (const [key, id] of rest ?? []) {
          if (batch.size >= LEASE_BATCH) break
          rest!.delete(key)
          if (!done.has(key)) batch.set(key, id)
        }
        if (batch.size === 0) continue
        any = true
        const ids = [...batch.values()] as mongo.ObjectId[]
        const unsettled =
          ids.length === 1
            ? (await this.#relayDocument(model, ids[0]!))
              ? []
              : ids
            : await this.#relayBatch(model, ids)
        for (const _id of unsettled) done.add(String(_id))
      }
    }
  }

  /**
   * Relay several documents of `model` with their leases taken in ONE `insertMany` (unordered: a
   * duplicate `_id` is a lease another relay holds, and only that one fails) and dropped in ONE
   * `deleteMany`, so a document costs its read and its removal plus 2/n for the leases instead of
   * 2 more each. The leased documents are relayed side by side — their reads, publishes (each
   * document's entries still one after another, in order) and removals queue together on the one
   * connection instead of waiting for each other's round trips and confirms. Each document is
   * still read under its own lease, as in {@link #relayDocument}.
   */
  async #relayBatch(model: AnyModel, ids: readonly mongo.ObjectId[]): Promise<mongo.ObjectId[]> {
    const collection = model.collection as unknown as mongo.Collection<OutboxDoc>
    const leases = model.db.collection<LeaseRecord>(OUTBOX_LEASES_COLLECTION)
    const leaseIdOf = (_id: mongo.ObjectId): string => `${collection.collectionName}:${String(_id)}`
    const until = new Date(Date.now() + this.#leaseMs)
    const elsewhere: number[] = []
    try {
      await leases.insertMany(
        ids.map((_id) => ({ _id: leaseIdOf(_id), owner: this.#owner, until })),
        { ordered: false },
      )
    } catch (err) {
      const writeErrors = (err as { writeErrors?: unknown }).writeErrors
      const failures = (
        Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : []
      ) as Array<{
        index: number
        code?: number
      }>
      if (failures.length === 0 || failures.some((f) => f.code !== 11000)) throw err
      for (const f of failures) elsewhere.push(f.index)
    }
    const taken = ids.filter((_, i) => !elsewhere.includes(i))
    const unsettled: mongo.ObjectId[] = []
    try {
      // Every document runs to its end before the leases go (allSettled, not all): a lease is
      // never dropped under a document still being relayed.
      const removals = new RemovalBatch(collection, taken.length)
      const results = await Promise.allSettled(
        taken.map((_id) => this.#relayLeased(model, _id, leaseIdOf(_id), removals.slot())),
      )
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
      if (failed) throw failed.reason
      results.forEach((r, i) => {
        if (r.status === 'fulfilled' && !r.value) unsettled.push(taken[i]!)
      })
    } finally {
      await leases
        .deleteMany({ _id: { $in: taken.map(leaseIdOf) }, owner: this.#owner })
        .catch((err: unknown) => {
          this.#logger.warn(
            { err, count: taken.length },
            'could not drop outbox leases; they expire by themselves',
          )
        })
    }
    // Leases held elsewhere: one by one, which takes an expired one over (a crashed relay's).
    for (const i of elsewhere) {
      if (this.#stopped) return unsettled
      if (!(await this.#relayDocument(model, ids[i]!))) unsettled.push(ids[i]!)
    }
    return unsettled
  }

  /**
   * Drop the flag of a document whose outbox is empty (guarded on that, so an entry written
   * meanwhile keeps it). No lease: the guard alone decides.
   */
  async #clearFlag(collection: mongo.Collection<OutboxDoc>, _id: mongo.ObjectId): Promise<void> {
    await collection.updateOne(
      { _id, outbox: [] },
      {
        $unset: { [OUTBOX_PENDING_FIELD]: '' },
      },
    )
  }

  /** Relay one document under its own lease; false when it was left for the next pass. */
  async #relayDocument(model: AnyModel, _id: mongo.ObjectId): Promise<boolean> {
    const collection = model.collection as unknown as mongo.Collection<OutboxDoc>
    const leases = model.db.collection<LeaseRecord>(OUTBOX_LEASES_COLLECTION)
    const key = String(_id)
    const leaseId = `${collection.collectionName}:${key}`
    if (!(await this.#takeLease(leases, leaseId))) {
      this.#backlog.delete(leaseId) // another instance is on it (and reports it)
      return true
    }
    try {
      return await this.#relayLeased(model, _id, leaseId)
    } finally {
      await leases.deleteOne({ _id: leaseId, owner: this.#owner }).catch((err: unknown) => {
        this.#logger.warn({ err, leaseId }, 'could not drop outbox lease; it expires by itself')
      })
    }
  }

  /**
   * Relay document `_id` of `model`, whose lease `leaseId` this relay holds (the caller drops it).
   * With `removals` (its slot in a batch), its first guarded removal goes out in the batch's one
   * command. False when the document was left for the next pass (a publish failed, or entries
   * kept arriving for {@link MAX_ROUNDS} rounds; it is noted again).
   */
  async #relayLeased(
    model: AnyModel,
    _id: mongo.ObjectId,
    leaseId: string,
    removals?: RemovalSlot,
  ): Promise<boolean> {
    try {
      return await this.#relayLeasedRounds(model, _id, leaseId, removals)
    } finally {
      removals?.leave() // a no-op once its removal was handed over
    }
  }

  async #relayLeasedRounds(
    model: AnyModel,
    _id: mongo.ObjectId,
    leaseId: string,
    removals: RemovalSlot | undefined,
  ): Promise<boolean> {
    const collection = model.collection as unknown as mongo.Collection<OutboxDoc>
    const key = String(_id)
    // Notes up to here stand for writes acknowledged before this read: their entries are in it.
    let readSeq = noteSeq
    const doc = await collection.findOne({ _id }, { projection: { outbox: 1, [OUTBOX_PENDING_FIELD]: 1 } })
    let entries = doc?.outbox ?? []
    if (entries.length === 0) {
      removals?.leave()
      if (doc?.outboxPending) await this.#clearFlag(collection, _id)
      this.#backlog.delete(leaseId)
      forgetNoteUpTo(model, key, readSeq)
      return true
    }
    for (let round = 1; ; round++) {
      this.#noteBacklog(leaseId, entries)
      const published: OutboxEntry[] = []
      let failed = false
      for (const entry of entries) {
        try {
          await this.#bus.publish(JSON.parse(entry.body) as DomainEvent)
          published.push(entry)
        } catch (err) {
          // Keep it (and the rest, to keep their order); the next pass — a kick too — tries again.
          failed = true
          noteOutboxWrite(model, _id)
          this.#logger.error(
            { err, collection: collection.collectionName, _id, eventId: entry.id },
            'outbox entry not published',
          )
          break
        }
      }
      if (failed) removals?.leave() // its removal below is its own, not the batch's
      if (published.length === 0) return false // noted again at the failed publish
      if (!failed) {
        // The outbox still exactly as read: empty it and drop the flag in one write (in round 1
        // of a batch, one statement of the batch's command).
        const filter = { _id, outbox: entries }
        const update = { $pullAll: { outbox: published }, $unset: { [OUTBOX_PENDING_FIELD]: '' as const } }
        const matched =
          round === 1 && removals
            ? await removals.remove(filter, update)
            : (await collection.updateOne(filter, update)).matchedCount === 1
        if (matched) {
          this.#backlog.delete(leaseId)
          forgetNoteUpTo(model, key, readSeq)
          this.#logger.debug(
            { collection: collection.collectionName, _id, count: published.length },
            'outbox relayed',
          )
          return true
        }
      }
      // An entry arrived meanwhile (or a publish failed): remove exactly what was published and
      // see what is left; the flag stays while anything is.
      readSeq = noteSeq
      const after = await collection.findOneAndUpdate(
        { _id },
        { $pullAll: { outbox: published } },
        // No projection: FerretDB 1.24's findAndModify does not implement `fields`.
        { returnDocument: 'after' },
      )
      entries = after?.outbox ?? []
      this.#noteBacklog(leaseId, entries)
      if (entries.length === 0) {
        await this.#clearFlag(collection, _id)
        forgetNoteUpTo(model, key, readSeq)
        return true
      }
      if (failed || round >= MAX_ROUNDS || this.#stopped) {
        noteOutboxWrite(model, _id) // the next pass goes on
        return false
      }
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
