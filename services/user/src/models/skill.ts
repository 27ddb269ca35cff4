/**
 * The skills catalogue: one document per normalised skill name, with how many profiles list it
 * (`usage`) and whether it was seeded at start-up. Autocomplete reads it by `_id` prefix, most
 * used first.
 */
import { Schema, type Connection, type Model } from 'mongoose'

/** A catalogue entry as stored. */
export interface SkillDoc {
  /** The normalised skill name (domain/skills.ts). */
  _id: string
  /** Profiles listing it now (incremented/decremented as profiles change; never below 0 in practice). */
  usage: number
  /** From the starter list: suggested even while no profile lists it. */
  seeded: boolean
}

/** Mongoose schema of `skills`. */
export const SkillSchema = new Schema<SkillDoc>(
  {
    _id: { type: String, required: true },
    usage: { type: Number, default: 0 },
    seeded: { type: Boolean, default: false },
  },
  { collection: 'skills', _id: false, versionKey: false },
)
SkillSchema.index({ usage: -1, _id: 1 })

/** The Skill model on `conn`. */
export function skillModel(conn: Connection): Model<SkillDoc> {
  return (conn.models.Skill as Model<SkillDoc> | undefined) ?? conn.model<SkillDoc>('Skill', SkillSchema)
}
