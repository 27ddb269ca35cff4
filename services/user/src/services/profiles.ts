/**
 * The profile use cases — create (from `UserRegistered` or lazily from a token), read, the
 * owner's edits, deactivation, suspension and rating summaries — on the Profile store. Routes and event
 * handlers only map their inputs to these methods; the portfolio use cases (`portfolio.ts`) edit
 * through {@link Profiles.edit}.
 *
 * Every change reads "load, decide with `src/domain`, store": the store's guarded single-document
 * write checks the `profileVersion` read (optimistic concurrency), bumps it by one and carries the
 * `ProfileUpdated` event in the same document's outbox; a lost race reads and decides again (a
 * few times, then 409 `USER_ERR_EDIT_CONFLICT`). The skills catalogue's usage counts follow in a
 * second write (see `skills-catalogue.ts`).
 *
 * FerretDB 1.24 (dev/CI) runs an update as an unisolated read-modify-write; service-kit gives it one
 * connection per process so commands (ours and the outbox relay's) are serialised and the guard
 * holds within a process (docs/ferretdb.md).
 */
import type { EventContext } from '@kelmah/contracts'
import {
  isDuplicateKey,
  type AggregateStore,
  type Caller,
  type Clock,
  type Decision,
} from '@kelmah/service-kit'
import type { FastifyBaseLogger } from 'fastify'
import type { Model } from 'mongoose'
import { patchFields, type ProfilePatch } from '../domain/profile-patch.js'
import {
  changesSkills,
  newProfile,
  profileChange,
  type NewProfileFields,
  type ProfileChangeOptions,
} from '../domain/profile.js'
import { canSeeProfile, suspensionChange, type ProfileViewer } from '../domain/suspension.js'
import { EditConflict, ProfileNotFound } from '../errors.js'
import type { ProfileDoc } from '../models/profile.js'
import type { SkillsCatalogue } from './skills-catalogue.js'

export type { ProfilePatch } from '../domain/profile-patch.js'

/** Attempts of a change that keeps losing the version race before 409. */
export const MAX_ATTEMPTS = 5

/** Collaborators of {@link Profiles}. */
export interface ProfilesDeps {
  /** The Profile store (`app.store(Profile, profileStoreOptions)`): every versioned change. */
  store: AggregateStore<ProfileDoc>
  /** The Profile model: the writes that are not versioned changes (deactivation, rating summary). */
  Profile: Model<ProfileDoc>
  catalogue: SkillsCatalogue
  now: Clock
  log: FastifyBaseLogger
}

/**
 * The options of the Profile store: the version field is `profileVersion` (carried by
 * `ProfileUpdated`; the job service's read model orders by it), a missing profile is
 * `USER_ERR_PROFILE_NOT_FOUND`, repeated lost races are `USER_ERR_EDIT_CONFLICT`.
 */
export const profileStoreOptions = {
  name: 'profile',
  versionField: 'profileVersion',
  maxAttempts: MAX_ATTEMPTS,
  conflict: () => new EditConflict(),
  notFound: () => new ProfileNotFound(),
}

/** The new field values of an edit, decided on the current profile (pure; undefined = nothing to do). */
export type Edit = (current: ProfileDoc) => Partial<ProfileDoc> | undefined

/** The profile use cases. */
export class Profiles {
  readonly #d: ProfilesDeps

  constructor(deps: ProfilesDeps) {
    this.#d = deps
  }

  /** A profile by user id, or null. */
  async find(userId: string): Promise<ProfileDoc | null> {
    return this.#d.store.get(userId)
  }

  /**
   * A profile `viewer` may read by id (`domain/suspension.ts` `canSeeProfile`): not deactivated,
   * and when suspended only for its owner and admins.
   *
   * @throws ProfileNotFound (404) for an unknown or deactivated user, and for a suspended one
   *   read by anyone else (existence is not leaked)
   */
  async getPublic(userId: string, viewer: ProfileViewer): Promise<ProfileDoc> {
    const doc = await this.find(userId)
    if (!doc || !canSeeProfile(doc, viewer)) throw new ProfileNotFound()
    return doc
  }

  /**
   * Insert a new profile with its creation event (`changed: []`) in the same write.
   *
   * @returns the created document, or null when it already existed (unique `_id`)
   */
  async #insert(fields: NewProfileFields, ctx: EventContext): Promise<ProfileDoc | null> {
    const { doc, event } = newProfile(fields, this.#d.now(), ctx)
    try {
      return await this.#d.store.create(doc, [event])
    } catch (err) {
      if (isDuplicateKey(err)) return null
      throw err
    }
  }

  /**
   * The caller's profile, created from the token when `UserRegistered` has not been handled yet
   * (the token has no name: `displayName` stays empty until the event or the owner fills it).
   */
  async ensure(caller: Caller, ctx: EventContext): Promise<ProfileDoc> {
    const existing = await this.find(caller.sub)
    if (existing) return existing
    const created =
      (await this.#insert({ _id: caller.sub, role: caller.role, displayName: '' }, ctx)) ??
      (await this.find(caller.sub)) // a concurrent request or the event created it first
    if (!created) throw new Error(`profile ${caller.sub} vanished right after creation`)
    return created
  }

  /**
   * `UserRegistered`: create the profile with the registered name and role. Idempotent: a
   * redelivery finds the profile and changes nothing. When the profile was created lazily (empty
   * name), the name is filled in once.
   */
  async createFromRegistration(
    data: { userId: string; name: string; role: Caller['role'] },
    ctx: EventContext,
  ): Promise<void> {
    const name = data.name.trim().slice(0, 80)
    if (await this.#insert({ _id: data.userId, role: data.role, displayName: name }, ctx)) return
    await this.#change(
      data.userId,
      (current) => (current.displayName ? undefined : { displayName: name }),
      ctx,
      {
        allowDeactivated: true,
      },
    )
  }

  /**
   * Apply the owner's patch.
   *
   * @throws FieldNotForRole (400) naming a field of the other role; InvalidField (400) naming the
   *   field; ProfileDeactivated (403); EditConflict (409) when concurrent edits keep winning
   */
  async update(caller: Caller, patch: ProfilePatch, ctx: EventContext): Promise<ProfileDoc> {
    const now = this.#d.now()
    return this.edit(caller, (current) => patchFields(current.role, patch, now), ctx)
  }

  /**
   * An edit of the caller's own profile (created from the token first when missing).
   *
   * @returns the profile after the edit (or as it is when nothing changed)
   * @throws ProfileDeactivated (403); EditConflict (409) when concurrent edits keep winning; or
   *   what `edit` throws
   */
  async edit(caller: Caller, edit: Edit, ctx: EventContext): Promise<ProfileDoc> {
    const current = await this.ensure(caller, ctx)
    return this.#change(caller.sub, edit, ctx, {}, current)
  }

  /**
   * `UserDeactivated`: hide the profile from search and public view, and take its skills out of
   * the catalogue counts. Idempotent (guarded on `deactivated: false`). Not a versioned change:
   * no `profileVersion` bump and no `ProfileUpdated` (what consumers see of a profile is
   * unchanged; the job service learns of deactivations from `UserDeactivated` itself), so it is
   * written on the model directly, like {@link applyRating}.
   *
   * @throws Error (retried by the bus) when the profile does not exist yet — `UserRegistered`
   *   may still be on its way
   */
  async deactivate(userId: string): Promise<void> {
    const doc = await this.find(userId)
    if (!doc) throw new Error(`no profile for ${userId} yet; retry after UserRegistered`)
    if (doc.deactivated) return
    const res = await this.#d.Profile.updateOne(
      { _id: userId, deactivated: false },
      { $set: { deactivated: true, deactivatedAt: this.#d.now() } },
    )
    // A suspended profile's skills left the counts already (see applySuspension).
    if (res.modifiedCount === 1 && !doc.suspended) await this.#d.catalogue.applyChange(doc.skills ?? [], [])
  }

  /**
   * `UserSuspended` (`suspended: true`) / `UserReinstated` (`false`) that occurred at `at`: the
   * profile leaves (or rejoins) search, its public view and the skills catalogue's counts.
   * Decided by `domain/suspension.ts`: an event not later than the last applied one is stale, so
   * duplicates and late arrivals change nothing. The write is guarded on the state read (a
   * concurrent change reads and decides again). Not a versioned change: no `profileVersion`
   * bump and no `ProfileUpdated` — the job service hears of suspensions from auth's events.
   *
   * @returns true when applied, false when stale
   * @throws Error (retried by the bus) when the profile does not exist yet — `UserRegistered`
   *   may still be on its way; or after {@link MAX_ATTEMPTS} lost races
   */
  async applySuspension(userId: string, suspended: boolean, at: Date): Promise<boolean> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const doc = await this.find(userId)
      if (!doc) throw new Error(`no profile for ${userId} yet; retry after UserRegistered`)
      const change = suspensionChange(doc, suspended, at)
      if (!change) return false
      const res = await this.#d.Profile.updateOne(
        {
          _id: userId,
          // The state read (a missing field reads as unset; `null` matches it too).
          suspended: doc.suspended ? true : { $ne: true },
          suspensionAt: doc.suspensionAt ?? null,
        },
        { $set: change.set },
        { timestamps: false },
      )
      if (res.modifiedCount === 0) continue
      if (change.catalogue)
        await this.#d.catalogue.applyChange(change.catalogue.before, change.catalogue.after)
      return true
    }
    throw new Error(`suspension of ${userId} lost the race ${MAX_ATTEMPTS} times; retry`)
  }

  /**
   * `RatingUpdated`: store `{average, count, bayesianScore}` when `sequence` is newer than the
   * stored one; an older or equal sequence (late or duplicate) changes nothing. `bayesianScore`
   * (optional in the event) is stored as null when absent, so a newer event without one never
   * leaves an older score behind. Not a profile change (no version, no event): written on the
   * model directly.
   *
   * @returns true when applied
   * @throws Error (retried by the bus) when the profile does not exist yet
   */
  async applyRating(data: {
    userId: string
    average: number
    count: number
    sequence: number
    bayesianScore?: number
  }): Promise<boolean> {
    const rating = {
      average: data.average,
      count: data.count,
      sequence: data.sequence,
      bayesianScore: data.bayesianScore ?? null,
    }
    const res = await this.#d.Profile.updateOne(
      { _id: data.userId, 'rating.sequence': { $lt: data.sequence } },
      { $set: { rating } },
      { timestamps: false },
    )
    if (res.matchedCount === 1) return true
    if (!(await this.find(data.userId)))
      throw new Error(`no profile for ${data.userId} yet; retry after UserRegistered`)
    return false
  }

  /**
   * Load, decide ({@link profileChange} on `edit`'s field values), store; then follow a skills
   * change in the catalogue's usage counts.
   *
   * @throws ProfileNotFound (404), ProfileDeactivated (403), EditConflict (409), or what `edit` throws
   */
  async #change(
    userId: string,
    edit: Edit,
    ctx: EventContext,
    opts: ProfileChangeOptions = {},
    current?: ProfileDoc,
  ): Promise<ProfileDoc> {
    // The decision of the attempt that was stored is the last one made (on `last.before`).
    const last: { before?: ProfileDoc; decision?: Decision | null } = {}
    let next: ProfileDoc
    try {
      next = await this.#d.store.change(
        userId,
        (doc) => {
          last.before = doc
          last.decision = profileChange(doc, edit, ctx, opts)
          return last.decision
        },
        current ? { current } : {},
      )
    } catch (err) {
      if (err instanceof EditConflict)
        this.#d.log.warn({ userId }, 'profile change lost the version race repeatedly')
      throw err
    }
    // A suspended profile is not in the counts (applySuspension moves them back on reinstatement).
    if (last.before && changesSkills(last.decision) && !next.suspended)
      await this.#d.catalogue.applyChange(last.before.skills ?? [], next.skills ?? [])
    return next
  }
}
