/**
 * `ratings`: a user's rating figures, one immutable document per change (`_id` =
 * `<userId>:<sequence>`, sequence 1, 2, 3 … per user). The latest sequence is the user's current
 * aggregate. The insert of the next sequence is the commit point of a change: two processes
 * changing one user's figures at once race for the same `_id`, one wins, the other re-reads and
 * decides again (services/ratings.ts). Each carries its `RatingUpdated` in its outbox, so
 * `sequence` grows by one per published change, with no gaps and no repeats.
 *
 * Why not one document updated with `$inc`: FerretDB does not isolate concurrent updates of one
 * document across connections, so two increments can lose one (docs/ferretdb.md).
 */
import { outboxPlugin, type OutboxFields } from '@kelmah/bus'
import { Schema, type Connection, type Model } from 'mongoose'
import type { RatingFigures } from '../domain/ratings.js'

/** One version of a user's rating figures. */
export interface RatingDoc extends OutboxFields {
  _id: string
  userId: string
  sequence: number
  figures: RatingFigures
  average: number
  bayesianScore: number
  /** What caused the change (`reveal:<contractId>`, `hide:<reviewId>`, `rebuild`, …). */
  cause: string
  createdAt: Date
  version: number
}

const Pair = new Schema({ sum: Number, count: Number }, { _id: false })

/** Mongoose schema of `ratings`. */
export const RatingSchema = new Schema<RatingDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    sequence: { type: Number, required: true },
    figures: {
      type: new Schema(
        {
          count: Number,
          sum: Number,
          stars: new Schema({ 1: Number, 2: Number, 3: Number, 4: Number, 5: Number }, { _id: false }),
          aspects: new Schema(
            { communication: Pair, quality: Pair, timeliness: Pair, professionalism: Pair },
            { _id: false },
          ),
        },
        { _id: false },
      ),
      required: true,
    },
    average: { type: Number, required: true },
    bayesianScore: { type: Number, required: true },
    cause: { type: String, required: true },
    createdAt: { type: Date, required: true },
    version: { type: Number, required: true, default: 0 },
  },
  { collection: 'ratings', minimize: false },
)
RatingSchema.plugin(outboxPlugin)
RatingSchema.index({ userId: 1, sequence: -1 })

/** The `Rating` model (once per connection). */
export function ratingModel(conn: Connection): Model<RatingDoc> {
  return (conn.models.Rating as Model<RatingDoc> | undefined) ?? conn.model<RatingDoc>('Rating', RatingSchema)
}
