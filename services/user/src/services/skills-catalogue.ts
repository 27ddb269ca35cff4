/**
 * The shared skills catalogue: seeded with a starter list, fed by the skills users put on their
 * profiles (usage counts follow profile changes), read by autocomplete.
 *
 * Counts are adjusted in a second write after the profile's (FerretDB has no transactions), so
 * a crash between the two can leave a count off by one; counts only order suggestions, and
 * {@link SkillsCatalogue.recount} rebuilds them from the profiles.
 */
import { isDuplicateKey } from '@kelmah/service-kit'
import type { FastifyBaseLogger } from 'fastify'
import type { Model } from 'mongoose'
import { normaliseSkill, skillDelta, STARTER_SKILLS } from '../domain/skills.js'
import type { ProfileDoc } from '../models/profile.js'
import type { SkillDoc } from '../models/skill.js'

/** One autocomplete suggestion. */
export interface SkillSuggestion {
  name: string
  /** Profiles listing the skill. */
  usage: number
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** The catalogue's use cases. */
export class SkillsCatalogue {
  constructor(
    private readonly Skill: Model<SkillDoc>,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Insert the starter skills that are missing; existing entries keep their counts. Idempotent. */
  async seed(names: readonly string[] = STARTER_SKILLS): Promise<void> {
    // Few round trips (FerretDB is slow per command): read what exists, insert the rest, flag all.
    const existing = new Set(
      (await this.Skill.find({ _id: { $in: [...names] } }, { _id: 1 }).lean()).map((s) => s._id),
    )
    const missing = names.filter((n) => !existing.has(n))
    if (missing.length > 0) {
      try {
        await this.Skill.insertMany(
          missing.map((_id) => ({ _id, usage: 0, seeded: true })),
          { ordered: false },
        )
      } catch (err) {
        // Another instance seeded the same names meanwhile: duplicates are fine.
        if (!isDuplicateKey(err)) throw err
      }
    }
    await this.Skill.updateMany(
      { _id: { $in: [...names] }, seeded: { $ne: true } },
      { $set: { seeded: true } },
    )
  }

  /**
   * Follow a profile's skill change: +1 for each added skill (creating the entry), −1 for each
   * removed one. Failures are logged, not thrown: the profile change already happened.
   */
  async applyChange(before: readonly string[], after: readonly string[]): Promise<void> {
    const { added, removed } = skillDelta(before, after)
    if (added.length === 0 && removed.length === 0) return
    try {
      await this.Skill.bulkWrite(
        [
          ...added.map((name) => ({
            updateOne: {
              filter: { _id: name },
              update: { $inc: { usage: 1 }, $setOnInsert: { seeded: false } },
              upsert: true,
            },
          })),
          ...removed.map((name) => ({
            updateOne: { filter: { _id: name }, update: { $inc: { usage: -1 } } },
          })),
        ],
        { ordered: true },
      )
    } catch (err) {
      this.log.warn({ err, added, removed }, 'skill usage counts not updated; run a recount')
    }
  }

  /**
   * Suggestions for what the user is typing: skills whose normal name starts with `q`, most used
   * first (then alphabetical). Skills no profile lists any more are only suggested when seeded.
   */
  async suggest(q: string, limit: number): Promise<SkillSuggestion[]> {
    const prefix = normaliseSkill(q)
    const filter: Record<string, unknown> = { $or: [{ seeded: true }, { usage: { $gt: 0 } }] }
    if (prefix) filter._id = { $regex: `^${escapeRegex(prefix)}` }
    const rows = await this.Skill.find(filter).sort({ usage: -1, _id: 1 }).limit(limit).lean()
    return rows.map((r) => ({ name: r._id, usage: Math.max(0, r.usage) }))
  }

  /** Rebuild every usage count from the listed profiles — not deactivated, not suspended (operator tool; O(profiles)). */
  async recount(Profile: Model<ProfileDoc>): Promise<void> {
    const counts = new Map<string, number>()
    for await (const p of Profile.find({ deactivated: false, suspended: { $ne: true } }, { skills: 1 })
      .lean()
      .cursor()) {
      for (const s of p.skills ?? []) counts.set(s, (counts.get(s) ?? 0) + 1)
    }
    await this.Skill.updateMany({}, { $set: { usage: 0 } })
    if (counts.size > 0) {
      await this.Skill.bulkWrite(
        [...counts].map(([name, usage]) => ({
          updateOne: { filter: { _id: name }, update: { $set: { usage } }, upsert: true },
        })),
      )
    }
  }
}
