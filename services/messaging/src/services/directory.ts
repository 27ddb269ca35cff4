/**
 * What messaging knows of users and jobs, from events only (`src/models/directory.ts`): the
 * checks the routes and frames make before a conversation, message, block or report names a
 * user or a job, and the idempotent writes the directory's event handlers make.
 *
 * **Eventual consistency.** A user is known here once `UserRegistered` has been relayed by auth
 * and handled by this service — normally well under a second after registration, at worst one
 * outbox sweep (5 s) plus the bus's retry delays. Until then the user is "not found". Known users
 * are cached per instance for `cacheMs`, so a deactivation or suspension takes effect here within
 * the event's delivery plus `cacheMs`.
 */
import { isDuplicateKey, withFields, type Clock } from '@kelmah/service-kit'
import type { Model } from 'mongoose'
import { JobNotFound, RecipientInactive, UserNotFound } from '../errors.js'
import { jobPartyId, type JobPartyDoc, type JobRefDoc, type UserRefDoc } from '../models/directory.js'

/** What {@link Directory} needs. */
export interface DirectoryDeps {
  UserRef: Model<UserRefDoc>
  JobRef: Model<JobRefDoc>
  JobParty: Model<JobPartyDoc>
  /**
   * The same three models for the checks' reads (every message checks its recipient):
   * `app.safeModel(...)` of each, on FerretDB a pool beside the one guarded connection. Default
   * the models above. A read racing a handler's update may cache the value from just before it
   * for `cacheMs` (the staleness this class already allows).
   */
  reads?: { UserRef: Model<UserRefDoc>; JobRef: Model<JobRefDoc>; JobParty: Model<JobPartyDoc> }
  /** How long a known user's record is served from this instance's memory, ms. */
  cacheMs: number
  now: Clock
}

/** Where a checked id came from, for the problem's `errors[].field`. */
export interface FieldRef {
  field: string
  in?: 'body' | 'params' | 'querystring'
}

/**
 * True when the user may take part in new conversations and receive messages. A missing field
 * counts as unset (an upsert's `null`s may not be stored).
 */
export function isActive(u: Partial<Pick<UserRefDoc, 'deactivatedAt' | 'suspended'>>): boolean {
  return !u.deactivatedAt && !u.suspended
}

/** The users and jobs read models. */
export class Directory {
  readonly #d: DirectoryDeps
  readonly #cache = new Map<string, { user: UserRefDoc; until: number }>()
  readonly #reads: NonNullable<DirectoryDeps['reads']>

  constructor(deps: DirectoryDeps) {
    this.#d = deps
    this.#reads = deps.reads ?? deps
  }

  /** The user `id` as known here, or null (unknown, or not known yet). */
  async user(id: string): Promise<UserRefDoc | null> {
    const now = this.#d.now().getTime()
    const hit = this.#cache.get(id)
    if (hit && hit.until > now) return hit.user
    const user = await this.#reads.UserRef.findOne({ _id: id }).lean()
    if (!user) {
      this.#cache.delete(id)
      return null
    }
    if (this.#cache.size >= 50_000) this.#cache.clear()
    this.#cache.set(id, { user, until: now + this.#d.cacheMs })
    return user
  }

  /**
   * Check that `id` is a user. With `active`, also that they are neither deactivated nor
   * suspended (a new conversation or a direct message needs someone to receive it; a block or a
   * report does not).
   *
   * @throws UserNotFound (404, naming `where.field`)
   */
  async requireUser(id: string, where: FieldRef, opts: { active: boolean }): Promise<UserRefDoc> {
    const user = await this.user(id)
    if (!user || (opts.active && !isActive(user)))
      throw withFields(new UserNotFound(), [
        {
          field: where.field,
          message: 'is not a user (or no longer active)',
          ...(where.in ? { in: where.in } : {}),
        },
      ])
    return user
  }

  /**
   * Before a message goes to `recipientId` in an existing conversation: refused when the
   * recipient is known to be deactivated or suspended. An unknown recipient passes (the
   * conversation was checked when it was opened; an event-opened one was vouched for by the job
   * service).
   *
   * @throws RecipientInactive (409)
   */
  async checkRecipient(recipientId: string): Promise<void> {
    const user = await this.user(recipientId)
    if (user && !isActive(user)) throw new RecipientInactive()
  }

  /**
   * A conversation about `jobId` is only between the job's hirer and a worker who applied to it
   * or holds its contract; `a` and `b` are the two participants in either order.
   *
   * @throws JobNotFound (404, field `jobId`) — also when the job exists but `a` and `b` are not
   *   its parties, so a stranger learns nothing about other people's jobs
   */
  async checkJobParties(jobId: string, a: string, b: string): Promise<void> {
    const job = await this.#reads.JobRef.findOne({ _id: jobId }).lean()
    const worker = job?.hirerId === a ? b : job?.hirerId === b ? a : null
    const party = worker
      ? await this.#reads.JobParty.findOne({ _id: jobPartyId(jobId, worker) }).lean()
      : null
    if (!party)
      throw withFields(new JobNotFound(), [
        {
          field: 'jobId',
          message: 'must be a job between you and the other participant (its hirer and a worker who applied)',
        },
      ])
  }

  /** The hirer of `jobId`, or null when not known yet. */
  async hirerOf(jobId: string): Promise<string | null> {
    return (await this.#reads.JobRef.findOne({ _id: jobId }).lean())?.hirerId ?? null
  }

  // ---- writes of the directory's event handlers (idempotent) ----

  /** `UserRegistered`: the user exists (a record made by an earlier-arriving event gets the role). */
  async registered(userId: string, role: string, at: Date): Promise<void> {
    try {
      await this.#d.UserRef.collection.insertOne({
        _id: userId as never,
        role,
        registeredAt: at,
        deactivatedAt: null,
        suspended: false,
        suspensionAt: null,
      })
    } catch (err) {
      if (!isDuplicateKey(err)) throw err
      await this.#d.UserRef.updateOne({ _id: userId, role: 'unknown' }, { $set: { role, registeredAt: at } })
    }
    this.#cache.delete(userId)
  }

  /** `UserDeactivated`: final. */
  async deactivated(userId: string, at: Date): Promise<void> {
    await this.#ensure(userId, at)
    await this.#d.UserRef.updateOne({ _id: userId, deactivatedAt: null }, { $set: { deactivatedAt: at } })
    this.#cache.delete(userId)
  }

  /** `UserSuspended` / `UserReinstated`: applied unless a later one was applied already. */
  async suspension(userId: string, suspended: boolean, at: Date): Promise<void> {
    await this.#ensure(userId, at)
    await this.#d.UserRef.updateOne(
      { _id: userId, $or: [{ suspensionAt: null }, { suspensionAt: { $lte: at } }] },
      { $set: { suspended, suspensionAt: at } },
    )
    this.#cache.delete(userId)
  }

  /** A record for a user whose `UserRegistered` has not arrived yet (events may come out of order). */
  async #ensure(userId: string, at: Date): Promise<void> {
    if (await this.#d.UserRef.findOne({ _id: userId }, { _id: 1 }).lean()) return
    try {
      await this.#d.UserRef.collection.insertOne({
        _id: userId as never,
        role: 'unknown',
        registeredAt: at,
        deactivatedAt: null,
        suspended: false,
        suspensionAt: null,
      })
    } catch (err) {
      if (!isDuplicateKey(err)) throw err
    }
  }

  /** A job's hirer (never changes). */
  async jobHirer(jobId: string, hirerId: string): Promise<void> {
    try {
      await this.#d.JobRef.collection.insertOne({ _id: jobId as never, hirerId })
    } catch (err) {
      if (!isDuplicateKey(err)) throw err
    }
  }

  /** A worker who applied to `jobId` or holds its contract. */
  async jobParty(jobId: string, workerId: string, via: JobPartyDoc['via']): Promise<void> {
    try {
      await this.#d.JobParty.collection.insertOne({
        _id: jobPartyId(jobId, workerId) as never,
        jobId,
        workerId,
        via,
      })
    } catch (err) {
      if (!isDuplicateKey(err)) throw err
    }
  }
}
