/**
 * The one write path of every service: an aggregate store over a mongoose model whose schema
 * uses `outboxPlugin`. A use case reads in three lines — load, decide with `src/domain`, store
 * (docs/conventions.md, Use cases):
 *
 * ```ts
 * const contract = await contracts.change(id, (current) => sign(current, caller, now()))
 * ```
 *
 * `decide` is a pure function of the current document returning a {@link Decision} (the update
 * and the events it causes) or nothing. The store writes both in ONE guarded single-document
 * update — the version guard, the version bump, the change and the outbox entries — so either
 * all of it is stored or none; a lost race (another writer bumped the version first) reads
 * again and decides again, a bounded number of times, then fails with a 409 problem. After a
 * write that carried events the store asks the outbox relay to publish them at once; services
 * never touch the relay. (`outboxPlugin`'s middleware adds the relay's `outboxPending: true` flag
 * to that same update, so the relay's sweep finds the document with a pushed-down equality.)
 *
 * Why a version guard and not a transaction: neither MongoDB without replica-set transactions nor
 * FerretDB 1.24 gives multi-document atomicity, and a single-document update with a guard is
 * atomic on both (FerretDB only within one connection — service-kit opens it with one; see
 * docs/ferretdb.md). Rules that must hold across processes on FerretDB (one hire per slot, one
 * charge per idempotency key) commit by a unique insert instead: {@link AggregateStore.create}
 * with {@link isDuplicateKey}.
 */
import { isDuplicateKey, noteOutboxWrite, toOutbox, type AnyModel } from '@kelmah/bus'
import type { DomainEvent } from '@kelmah/contracts'
import type { Model } from 'mongoose'
import { Conflict, NotFound } from './errors.js'

/** The service's clock: the current time. Tests pass one they move. */
export type Clock = () => Date

/** The system clock. */
export const systemClock: Clock = () => new Date()

export { isDuplicateKey }

/**
 * What a decision changes. Paths may be dotted (`'milestones.2.status'`); the store applies the
 * same change to its copy of the document, so it returns the new state without reading it back.
 */
export interface Decision {
  /** `$set`: path → value. */
  set?: Record<string, unknown>
  /** `$unset`: paths to remove. */
  unset?: readonly string[]
  /** `$inc`: path → amount (a whole number; counters only, never money — money lives in ledgers). */
  inc?: Record<string, number>
  /** `$push` with `$each`: path → values appended in order. */
  push?: Record<string, readonly unknown[]>
  /** The events this change causes; written to the outbox in the same write. */
  events?: readonly DomainEvent[]
}

/**
 * A pure decision on the current document: the change, or `null`/`undefined` for "nothing to
 * do" (the document is returned as it is). Throw a domain error to refuse; it reaches the caller
 * unchanged.
 */
export type Decide<TDoc> = (current: TDoc) => Decision | null | undefined

/** Options of {@link AggregateStore.change}. */
export interface ChangeOptions<TDoc> {
  /**
   * Extra conditions the write must meet besides `_id` and the version (e.g. `{ status: 'open' }`).
   * A write the guard refuses counts as a lost race: the store reads and decides again.
   */
  guard?: Record<string, unknown>
  /** A fresh read the caller already holds, used for the first attempt (saves a round trip). */
  current?: TDoc
  /** The error when the document does not exist. Default: the store's `notFound`. */
  missing?: () => Error
}

/** Options of an {@link AggregateStore}. */
export interface StoreOptions {
  /** What the aggregate is called in problems (`contract`, `profile`). */
  name: string
  /**
   * The outbox relay asked to publish right after a write with events (`app.store` binds the
   * service's own). Without one — a CLI with no bus — the events wait in the outbox for the next
   * sweep of a running instance of the service.
   */
  relay?: { kick(): unknown }
  /** The clock setting `updatedAt` on every change. Default {@link systemClock}. */
  now?: Clock
  /**
   * The model {@link AggregateStore.create} inserts through: the same schema and collection on
   * another connection (`app.safeModel(model)`, what `app.store`'s `safeCreate` passes), for a
   * unique insert that needs no isolation. The store then notes the new document for the relay
   * under the primary `model` (the relay's notes are per model, and the relay reads and removes
   * through the primary connection) and kicks it, so its events are published at once. Its user
   * `post('save')` middleware is skipped (the outbox plugin's note would be made for the wrong
   * model). Default `model`; `change`, `write` and `get` always use `model`.
   */
  createWith?: AnyModel
  /** The version field guarding and counting writes. Default `version`. */
  versionField?: string
  /** Set `updatedAt` from `now` on every write. Default true. */
  touch?: boolean
  /** Attempts of a change before the conflict problem. Default 8. */
  maxAttempts?: number
  /** The error after `maxAttempts` lost races. Default a 409 `KIT_ERR_CONFLICT` problem. */
  conflict?: () => Error
  /** The error when a changed document does not exist. Default a 404 `KIT_ERR_NOT_FOUND` problem. */
  notFound?: (id: string) => Error
}

export type { AnyModel }

/** Ids the store looks documents up by. */
type Id = string | number | { toString(): string }

/**
 * The write path of one aggregate (one mongoose model with `outboxPlugin`). Build it with
 * `app.store(Model, { name })` (service-kit binds the relay and the clock).
 */
export class AggregateStore<TDoc extends { _id: unknown }> {
  readonly #model: Model<Record<string, unknown>>
  readonly #createWith: Model<Record<string, unknown>> | undefined
  readonly #name: string
  readonly #relay: { kick(): unknown } | undefined
  readonly #now: Clock
  readonly #version: string
  readonly #touch: boolean
  readonly #maxAttempts: number
  readonly #conflict: () => Error
  readonly #notFound: (id: string) => Error

  /**
   * @throws TypeError when the model's schema has no `outbox` (add `outboxPlugin`) or no version
   *   field (mongoose would drop the bump silently, and the guard would guard nothing)
   */
  constructor(model: AnyModel, opts: StoreOptions) {
    // Typed as a model of plain records inside: the store types its results with TDoc itself.
    this.#model = model as Model<Record<string, unknown>>
    this.#createWith =
      opts.createWith && opts.createWith !== model
        ? (opts.createWith as Model<Record<string, unknown>>)
        : undefined
    this.#name = opts.name
    this.#relay = opts.relay
    this.#now = opts.now ?? systemClock
    this.#version = opts.versionField ?? 'version'
    this.#touch = opts.touch ?? Boolean(model.schema.path('updatedAt'))
    this.#maxAttempts = opts.maxAttempts ?? 8
    this.#conflict =
      opts.conflict ??
      (() => new Conflict(`the ${this.#name} was changed by someone else at the same time; try again`))
    this.#notFound = opts.notFound ?? ((id) => new NotFound(`${this.#name} ${id} does not exist`))
    if (!model.schema.path('outbox')) throw new TypeError(`${model.modelName}: the schema needs outboxPlugin`)
    if (!model.schema.path(this.#version))
      throw new TypeError(`${model.modelName}: the schema has no version field "${this.#version}"`)
    if (
      this.#createWith &&
      (this.#createWith.schema !== model.schema ||
        this.#createWith.collection.collectionName !== model.collection.collectionName)
    )
      throw new TypeError(`${model.modelName}: createWith must be the same schema and collection`)
  }

  /** The model (for reads and indexes; writes go through the store). */
  get model(): AnyModel {
    return this.#model
  }

  /** The document `id` as stored (lean), or null. */
  async get(id: Id): Promise<TDoc | null> {
    return (await this.#model.findById(id).lean()) as TDoc | null
  }

  /**
   * Insert a new aggregate with `events` in its outbox, in one write: the commit point of a
   * unique key (`_id` or a unique index). Schema defaults apply; the version starts at 0 unless
   * given. Through `createWith` when the store has one (see {@link StoreOptions.createWith}): an
   * insert needs no isolation from other connections, and its events are still relayed at once.
   *
   * @returns the stored document (lean, without the outbox and its `outboxPending` flag)
   * @throws the driver's duplicate-key error when a unique key is taken (test with
   *   {@link isDuplicateKey}); EventValidationError when an event breaks its schema
   */
  async create(
    doc: Omit<TDoc, 'outbox'> & Partial<Pick<TDoc, '_id'>>,
    events: readonly DomainEvent[] = [],
  ): Promise<TDoc> {
    const outbox = toOutbox(events)
    const record = { [this.#version]: 0, ...doc, outbox }
    let created
    if (this.#createWith) {
      // Pre-save middleware (the outbox plugin's flag) runs; post-save would note the wrong model.
      created = await new this.#createWith(record).save({ middleware: { post: false } })
      if (outbox.length > 0) noteOutboxWrite(this.#model, created._id)
    } else {
      created = await this.#model.create(record)
    }
    if (outbox.length > 0) this.#publishSoon()
    const stored = created.toObject({ depopulate: true, versionKey: false }) as TDoc & {
      outbox?: unknown
      outboxPending?: unknown
    }
    delete stored.outbox
    delete stored.outboxPending
    return stored
  }

  /**
   * Read, decide, write — the read-decide-write loop with a version guard. `decide` runs on the
   * current document (again after every lost race); its change, the version bump, `updatedAt`
   * and its events are written in one guarded update.
   *
   * @returns the document after the change (computed, not read back), or the current one when
   *   `decide` returned nothing
   * @throws `missing()` (default the store's `notFound`) when the document does not exist;
   *   whatever `decide` throws; the store's `conflict` after `maxAttempts` lost races;
   *   EventValidationError when an event breaks its schema
   */
  async change(id: Id, decide: Decide<TDoc>, opts: ChangeOptions<TDoc> = {}): Promise<TDoc> {
    let current: TDoc | null | undefined = opts.current
    for (let attempt = 0; attempt < this.#maxAttempts; attempt++) {
      current ??= await this.get(id)
      if (!current) throw opts.missing ? opts.missing() : this.#notFound(String(id))
      const decision = decide(current)
      if (!decision) return current
      const version = (current as Record<string, unknown>)[this.#version]
      const filter = {
        ...opts.guard,
        _id: current._id,
        // A document written before versions existed has none: `null` matches a missing field.
        [this.#version]: version ?? null,
      }
      const { update, next } = this.#prepare(current, decision)
      const res = await this.#model.updateOne(filter, update, { timestamps: false })
      if (res.modifiedCount === 1) {
        if (decision.events?.length) this.#publishSoon()
        return next
      }
      current = undefined
    }
    throw this.#conflict()
  }

  /**
   * One guarded write without a read: apply `decision` to the document matching `filter` (which
   * must name it by `_id`, plus any guard such as `{ appliedEvents: { $ne: eventId } }`), with the
   * version bump and the outbox entries. For idempotent event handlers whose guard is the whole
   * decision.
   *
   * @returns true when a document matched and was written
   * @throws EventValidationError when an event breaks its schema
   */
  async write(filter: Record<string, unknown> & { _id: unknown }, decision: Decision): Promise<boolean> {
    const { update } = this.#prepare(undefined, decision)
    const res = await this.#model.updateOne(filter, update, { timestamps: false })
    if (res.modifiedCount !== 1) return false
    if (decision.events?.length) this.#publishSoon()
    return true
  }

  /** Ask the relay to publish now; its own failures are logged by it and retried by its sweep. */
  #publishSoon(): void {
    void this.#relay?.kick()
  }

  /** The MongoDB update for `decision` (with version, `updatedAt`, outbox) and the state it makes of `current`. */
  #prepare(current: TDoc | undefined, decision: Decision): { update: Record<string, unknown>; next: TDoc } {
    const set: Record<string, unknown> = { ...decision.set }
    if (this.#touch) set.updatedAt = this.#now()
    const inc: Record<string, number> = { ...decision.inc, [this.#version]: 1 }
    const push: Record<string, { $each: unknown[] }> = {}
    for (const [path, values] of Object.entries(decision.push ?? {})) push[path] = { $each: [...values] }
    const outbox = toOutbox(decision.events ?? [])
    if (outbox.length > 0) push.outbox = { $each: outbox }
    const update: Record<string, unknown> = { $set: set, $inc: inc }
    if (decision.unset?.length) update.$unset = Object.fromEntries(decision.unset.map((p) => [p, '']))
    if (Object.keys(push).length > 0) update.$push = push

    let next = (current ?? {}) as Record<string, unknown>
    for (const [path, value] of Object.entries(set)) next = setPath(next, path, () => value)
    for (const path of decision.unset ?? []) next = setPath(next, path, () => undefined)
    for (const [path, by] of Object.entries(inc)) next = setPath(next, path, (old) => (Number(old) || 0) + by)
    for (const [path, values] of Object.entries(decision.push ?? {}))
      next = setPath(next, path, (old) => [...((old as unknown[] | undefined) ?? []), ...values])
    return { update, next: next as TDoc }
  }
}

/**
 * `obj` with the value at dotted `path` replaced by `fn(old)`, copying each object or array on
 * the way (the input is never mutated); `undefined` removes the key.
 */
function setPath(
  obj: Record<string, unknown>,
  path: string,
  fn: (old: unknown) => unknown,
): Record<string, unknown> {
  const [head, ...rest] = path.split('.') as [string, ...string[]]
  const copy: Record<string, unknown> = Array.isArray(obj) ? ([...(obj as unknown[])] as never) : { ...obj }
  if (rest.length === 0) {
    const value = fn(copy[head])
    if (value === undefined && !Array.isArray(copy)) delete copy[head]
    else copy[head] = value
    return copy
  }
  const child = copy[head]
  copy[head] = setPath(
    (typeof child === 'object' && child !== null ? child : {}) as Record<string, unknown>,
    rest.join('.'),
    fn,
  )
  return copy
}
