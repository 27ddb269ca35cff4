/**
 * The profile use cases — create (from `UserRegistered` or lazily from a token), read, update,
 * portfolio, deactivation and rating summaries — on the Profile model. Routes and event handlers
 * only map their inputs to these methods.
 *
 * Every change is one guarded single-document write: the guard is the `profileVersion` read
 * (optimistic concurrency), the write bumps it by one and carries the `ProfileUpdated` event in
 * the same document's outbox. A lost race re-reads and re-applies (a few times, then 409).
 *
 * FerretDB 1.24 (dev/CI) runs an update as an unisolated read-modify-write; service-kit gives it one
 * connection per process so commands (ours and the outbox relay's) are serialised and the guard
 * holds within a process (docs/ferretdb.md).
 */
import { randomBytes } from 'node:crypto'
import { toOutbox, withOutbox } from '@kelmah/bus'
import type { FastifyBaseLogger } from 'fastify'
import type { Model } from 'mongoose'
import { keywordsOf } from '../domain/keywords.js'
import {
  canonicalLanguage,
  canonicalTimeZone,
  changedFields,
  experienceProblem,
  isCurrency,
  normaliseCountry,
  roleFieldProblem,
  type Role,
} from '../domain/profile.js'
import { normaliseSkills } from '../domain/skills.js'
import {
  EditConflict,
  FieldNotForRole,
  InvalidField,
  PortfolioFull,
  PortfolioItemNotFound,
  ProfileDeactivated,
  ProfileNotFound,
  withFields,
} from '../errors.js'
import { profileUpdated, type EventContext } from '../events/publishers.js'
import type {
  Availability,
  CompanyDoc,
  ExperienceDoc,
  LanguageDoc,
  PortfolioItemDoc,
  ProfileDoc,
} from '../models/profile.js'
import type { SkillsCatalogue } from './skills-catalogue.js'

/** Most portfolio items per profile. */
export const MAX_PORTFOLIO_ITEMS = 50
/** Attempts of a change that keeps losing the version race before 409. */
const MAX_ATTEMPTS = 5

/** The owner's update (`PATCH /me`); `null` clears a nullable field. Already schema-checked. */
export interface ProfilePatch {
  displayName?: string
  headline?: string | null
  bio?: string | null
  avatarUrl?: string | null
  location?: { country: string; city?: string | null } | null
  timezone?: string | null
  languages?: Array<{ code: string; proficiency: LanguageDoc['proficiency'] }>
  skills?: string[]
  hourlyRate?: { amountMinor: number; currency: string } | null
  availability?: Availability
  experience?: Array<{
    title: string
    company?: string | null
    from: string
    to?: string | null
    description?: string | null
  }>
  company?: {
    name: string
    size?: CompanyDoc['size']
    website?: string | null
    industry?: string | null
  } | null
}

/** A new portfolio item, or the fields to change of one. */
export interface PortfolioInput {
  title?: string
  description?: string
  links?: string[]
  imageUrls?: string[]
}

/** The caller, from the access token. */
export interface Caller {
  sub: string
  role: Role
}

/** Collaborators of {@link Profiles}. */
export interface ProfilesDeps {
  Profile: Model<ProfileDoc>
  catalogue: SkillsCatalogue
  kickOutbox: () => void
  now: () => number
  log: FastifyBaseLogger
}

const trimOrNull = (s: string | null | undefined) => {
  const t = s?.trim()
  return t ? t : null
}

function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number } | null)?.code === 11000
}

const invalid = (field: string, message: string) =>
  withFields(new InvalidField(`${field} ${message}`), [{ field, message, in: 'body' as const }])

/**
 * Turn a schema-checked patch into stored values, applying the rules the schema cannot express.
 *
 * @throws InvalidField (400) naming the field: unknown country, time zone, currency or language,
 *   a bad or duplicate skill or language, experience dates out of order or in the future
 */
export function normalisePatch(patch: ProfilePatch, nowMs: number): Partial<ProfileDoc> {
  const out: Partial<ProfileDoc> = {}
  if (patch.displayName !== undefined) out.displayName = patch.displayName.trim()
  if (patch.headline !== undefined) out.headline = trimOrNull(patch.headline)
  if (patch.bio !== undefined) out.bio = trimOrNull(patch.bio)
  if (patch.avatarUrl !== undefined) out.avatarUrl = patch.avatarUrl
  if (patch.location !== undefined) {
    if (patch.location === null) out.location = null
    else {
      const country = normaliseCountry(patch.location.country)
      if (!country) throw invalid('location.country', 'is not an ISO 3166-1 alpha-2 country code')
      out.location = { country, city: trimOrNull(patch.location.city) }
    }
  }
  if (patch.timezone !== undefined) {
    if (patch.timezone === null) out.timezone = null
    else {
      const tz = canonicalTimeZone(patch.timezone)
      if (!tz) throw invalid('timezone', 'is not an IANA time zone name (e.g. Africa/Accra)')
      out.timezone = tz
    }
  }
  if (patch.languages !== undefined) {
    const seen = new Set<string>()
    out.languages = patch.languages.map((l, i) => {
      const code = canonicalLanguage(l.code)
      if (!code) throw invalid(`languages.${i}.code`, 'is not a BCP 47 language tag (e.g. en, pt-BR)')
      if (seen.has(code)) throw invalid(`languages.${i}.code`, 'is listed twice')
      seen.add(code)
      return { code, proficiency: l.proficiency }
    })
  }
  if (patch.skills !== undefined) {
    const result = normaliseSkills(patch.skills)
    if (!result.ok) throw invalid(`skills.${result.index}`, result.message)
    out.skills = result.skills
  }
  if (patch.hourlyRate !== undefined) {
    if (patch.hourlyRate === null) out.hourlyRate = null
    else {
      if (!isCurrency(patch.hourlyRate.currency))
        throw invalid('hourlyRate.currency', 'is not an ISO 4217 currency code')
      out.hourlyRate = { amountMinor: patch.hourlyRate.amountMinor, currency: patch.hourlyRate.currency }
    }
  }
  if (patch.availability !== undefined) out.availability = patch.availability
  if (patch.experience !== undefined) {
    const problem = experienceProblem(patch.experience, nowMs)
    if (problem) throw invalid(`experience.${problem.field}`, problem.message)
    out.experience = patch.experience.map((e): ExperienceDoc => ({
      title: e.title.trim(),
      company: trimOrNull(e.company),
      from: e.from,
      to: e.to ?? null,
      description: trimOrNull(e.description),
    }))
  }
  if (patch.company !== undefined) {
    out.company =
      patch.company === null
        ? null
        : {
            name: patch.company.name.trim(),
            size: patch.company.size ?? null,
            website: patch.company.website ?? null,
            industry: trimOrNull(patch.company.industry),
          }
  }
  return out
}

/** The profile use cases. */
export class Profiles {
  readonly #d: ProfilesDeps

  constructor(deps: ProfilesDeps) {
    this.#d = deps
  }

  /** A profile by user id, or null. */
  async find(userId: string): Promise<ProfileDoc | null> {
    return this.#d.Profile.findById(userId).lean<ProfileDoc>()
  }

  /**
   * A visible profile (not deactivated).
   *
   * @throws ProfileNotFound (404) for an unknown or deactivated user
   */
  async getPublic(userId: string): Promise<ProfileDoc> {
    const doc = await this.find(userId)
    if (!doc || doc.deactivated) throw new ProfileNotFound()
    return doc
  }

  /**
   * Insert a new profile with its creation event (`changed: []`) in the same write.
   *
   * @returns the created document, or null when it already existed (unique `_id`)
   */
  async #insert(
    fields: { _id: string; role: Role; displayName: string },
    ctx: EventContext,
  ): Promise<ProfileDoc | null> {
    const now = new Date(this.#d.now())
    const base = {
      ...fields,
      headline: null,
      skills: [] as string[],
      hourlyRate: null,
      availability: fields.role === 'worker' ? ('available' as const) : null,
      location: null,
      profileVersion: 1,
    }
    try {
      const doc = await this.#d.Profile.create({
        ...base,
        keywords: keywordsOf(base),
        createdAt: now,
        updatedAt: now,
        outbox: toOutbox([profileUpdated(base, [], ctx)]),
      })
      this.#d.kickOutbox()
      return doc.toObject() as ProfileDoc
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
    data: { userId: string; name: string; role: Role },
    ctx: EventContext,
  ): Promise<void> {
    const name = data.name.trim().slice(0, 80)
    if (await this.#insert({ _id: data.userId, role: data.role, displayName: name }, ctx)) return
    await this.#change(
      data.userId,
      ctx,
      (current) => (current.displayName ? undefined : { displayName: name }),
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
    return this.#change(
      caller.sub,
      ctx,
      (current) => {
        const problem = roleFieldProblem(current.role, patch as Record<string, unknown>)
        if (problem) {
          throw withFields(new FieldNotForRole(`${problem.field}: ${problem.message}`), [
            { ...problem, in: 'body' },
          ])
        }
        return normalisePatch(patch, this.#d.now())
      },
      { createFor: caller },
    )
  }

  /**
   * Add a portfolio item.
   *
   * @throws PortfolioFull (409) at {@link MAX_PORTFOLIO_ITEMS}; ProfileDeactivated (403)
   */
  async addPortfolioItem(
    caller: Caller,
    input: Required<Pick<PortfolioInput, 'title'>> & PortfolioInput,
    ctx: EventContext,
  ): Promise<PortfolioItemDoc> {
    const id = randomBytes(12).toString('hex')
    const doc = await this.#change(
      caller.sub,
      ctx,
      (current) => {
        if (current.portfolio.length >= MAX_PORTFOLIO_ITEMS) throw new PortfolioFull(MAX_PORTFOLIO_ITEMS)
        const now = new Date(this.#d.now())
        const item: PortfolioItemDoc = {
          id,
          title: input.title.trim(),
          description: input.description?.trim() ?? '',
          links: input.links ?? [],
          imageUrls: input.imageUrls ?? [],
          createdAt: now,
          updatedAt: now,
        }
        return { portfolio: [...current.portfolio, item] }
      },
      { createFor: caller },
    )
    return doc.portfolio.find((i) => i.id === id) as PortfolioItemDoc
  }

  /**
   * Change a portfolio item of the caller's.
   *
   * @throws PortfolioItemNotFound (404) when the caller has no such item (another user's item included)
   */
  async updatePortfolioItem(
    caller: Caller,
    itemId: string,
    input: PortfolioInput,
    ctx: EventContext,
  ): Promise<PortfolioItemDoc> {
    const doc = await this.#change(
      caller.sub,
      ctx,
      (current) => {
        const item = current.portfolio.find((i) => i.id === itemId)
        if (!item) throw new PortfolioItemNotFound()
        const next: PortfolioItemDoc = {
          ...item,
          ...(input.title !== undefined ? { title: input.title.trim() } : {}),
          ...(input.description !== undefined ? { description: input.description.trim() } : {}),
          ...(input.links !== undefined ? { links: input.links } : {}),
          ...(input.imageUrls !== undefined ? { imageUrls: input.imageUrls } : {}),
        }
        const { updatedAt: _u, ...a } = item
        const { updatedAt: _n, ...b } = next
        if (JSON.stringify(a) === JSON.stringify(b)) return undefined
        next.updatedAt = new Date(this.#d.now())
        return { portfolio: current.portfolio.map((i) => (i.id === itemId ? next : i)) }
      },
      { createFor: caller },
    )
    return doc.portfolio.find((i) => i.id === itemId) as PortfolioItemDoc
  }

  /**
   * Delete a portfolio item of the caller's.
   *
   * @throws PortfolioItemNotFound (404) when the caller has no such item
   */
  async deletePortfolioItem(caller: Caller, itemId: string, ctx: EventContext): Promise<void> {
    await this.#change(
      caller.sub,
      ctx,
      (current) => {
        if (!current.portfolio.some((i) => i.id === itemId)) throw new PortfolioItemNotFound()
        return { portfolio: current.portfolio.filter((i) => i.id !== itemId) }
      },
      { createFor: caller },
    )
  }

  /**
   * `UserDeactivated`: hide the profile from search and public view, and take its skills out of
   * the catalogue counts. Idempotent (guarded on `deactivated: false`).
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
      { $set: { deactivated: true, deactivatedAt: new Date(this.#d.now()) } },
    )
    if (res.modifiedCount === 1) await this.#d.catalogue.applyChange(doc.skills ?? [], [])
  }

  /**
   * `RatingUpdated`: store `{average, count}` when `sequence` is newer than the stored one; an
   * older or equal sequence (late or duplicate) changes nothing.
   *
   * @returns true when applied
   * @throws Error (retried by the bus) when the profile does not exist yet
   */
  async applyRating(data: {
    userId: string
    average: number
    count: number
    sequence: number
  }): Promise<boolean> {
    const res = await this.#d.Profile.updateOne(
      { _id: data.userId, 'rating.sequence': { $lt: data.sequence } },
      { $set: { rating: { average: data.average, count: data.count, sequence: data.sequence } } },
      { timestamps: false },
    )
    if (res.matchedCount === 1) return true
    if (!(await this.find(data.userId)))
      throw new Error(`no profile for ${data.userId} yet; retry after UserRegistered`)
    return false
  }

  /**
   * Read, decide, write under the version guard; retry on a lost race. `decide` returns the
   * fields to set (only those that really change are written), or undefined for "nothing to do".
   *
   * @returns the profile after the change (or as it is when nothing changed)
   * @throws ProfileNotFound (404), ProfileDeactivated (403), EditConflict (409), or what `decide` throws
   */
  async #change(
    userId: string,
    ctx: EventContext,
    decide: (current: ProfileDoc) => Partial<ProfileDoc> | undefined,
    opts: { allowDeactivated?: boolean; createFor?: Caller } = {},
  ): Promise<ProfileDoc> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = opts.createFor ? await this.ensure(opts.createFor, ctx) : await this.find(userId)
      if (!current) throw new ProfileNotFound()
      if (current.deactivated && !opts.allowDeactivated) throw new ProfileDeactivated()
      const next = decide(current)
      if (!next) return current
      const changed = changedFields(
        current as unknown as Record<string, unknown>,
        next as Record<string, unknown>,
      )
      if (changed.length === 0) return current
      const updatedAt = new Date(this.#d.now())
      const merged: ProfileDoc = {
        ...current,
        ...next,
        profileVersion: current.profileVersion + 1,
        updatedAt,
      }
      const set: Record<string, unknown> = {
        profileVersion: merged.profileVersion,
        keywords: keywordsOf(merged),
        updatedAt,
      }
      for (const f of changed) set[f] = (next as Record<string, unknown>)[f]
      const event = profileUpdated(merged, changed, ctx)
      // One write: the change, the version bump and the event (timestamps set here, from `now`).
      const res = await this.#d.Profile.updateOne(
        { _id: userId, profileVersion: current.profileVersion },
        withOutbox({ $set: set }, [event]),
        { timestamps: false },
      )
      if (res.modifiedCount !== 1) continue
      this.#d.kickOutbox()
      if (changed.includes('skills'))
        await this.#d.catalogue.applyChange(current.skills ?? [], merged.skills ?? [])
      return merged
    }
    this.#d.log.warn({ userId }, 'profile change lost the version race repeatedly')
    throw new EditConflict()
  }
}
