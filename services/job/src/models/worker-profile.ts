/**
 * The `worker_profiles` read model: a searchable snapshot of each user profile (from the user
 * service's `ProfileUpdated`) and its rating aggregate (from the review service's
 * `RatingUpdated`), for recommendations. Never written by a request; only by event handlers.
 */
import type { Money } from '@kelmah/contracts'
import { Schema, type Connection, type Model } from 'mongoose'

/** Availability as the user service publishes it. */
export type Availability = 'available' | 'limited' | 'unavailable'

/** A worker profile document (collection `worker_profiles`). */
export interface WorkerProfileDoc {
  /** The user id. */
  _id: string
  role: 'hirer' | 'worker' | 'admin'
  displayName: string
  headline: string | null
  /** Normalised lower case. */
  skills: string[]
  hourlyRate: Money | null
  availability: Availability
  country: string | null
  /** `profileVersion` of the last `ProfileUpdated` applied; 0 before any (a rating came first). */
  profileVersion: number
  /**
   * The rating aggregate; `sequence` of the last `RatingUpdated` applied (0 = none).
   * `bayesianScore` is the review service's ranking score (null when the last event carried
   * none, absent on documents older than the field): recommendations rank by it
   * (domain/ranking.ts `ratingScore`).
   */
  rating: { average: number; count: number; sequence: number; bayesianScore?: number | null }
  /**
   * True while the user is suspended (copied from `user_suspensions` by `services/suspensions.ts`):
   * not recommended, not invitable. Absent on documents older than the field — read as false.
   */
  suspended: boolean
  updatedAt: Date
}

/** Mongoose schema of `worker_profiles`. */
export const WorkerProfileSchema = new Schema<WorkerProfileDoc>(
  {
    _id: { type: String, required: true },
    role: { type: String, required: true, default: 'worker' },
    displayName: { type: String, default: '' },
    headline: { type: String, default: null },
    skills: { type: [String], default: [] },
    hourlyRate: {
      type: new Schema({ amountMinor: Number, currency: String }, { _id: false }),
      default: null,
    },
    availability: { type: String, default: 'available' },
    country: { type: String, default: null },
    profileVersion: { type: Number, required: true, default: 0 },
    rating: {
      average: { type: Number, default: 0 },
      count: { type: Number, default: 0 },
      sequence: { type: Number, default: 0 },
      bayesianScore: { type: Number, default: null },
    },
    suspended: { type: Boolean, default: false },
    updatedAt: { type: Date, default: () => new Date() },
  },
  { collection: 'worker_profiles', minimize: false, versionKey: false },
)
WorkerProfileSchema.index({ skills: 1 })

/** The WorkerProfile model on `conn` (created once per connection). */
export function workerProfileModel(conn: Connection): Model<WorkerProfileDoc> {
  return (
    (conn.models.WorkerProfile as Model<WorkerProfileDoc> | undefined) ??
    conn.model<WorkerProfileDoc>('WorkerProfile', WorkerProfileSchema)
  )
}
