/**
 * `reveals`: the moment a contract's reviews became public, one document per contract
 * (`_id` = contract id). Its insert is the commit point of the reveal — the second review and the
 * window's sweep may race to reveal, one insert wins — and carries `ReviewsRevealed` in its
 * outbox, so the event is published exactly once per contract (at least once to the broker,
 * deduplicated by event id downstream). Never updated.
 */
import { outboxPlugin, type OutboxFields } from '@kelmah/bus'
import { Schema, type Connection, type Model } from 'mongoose'
import type { RevealReason } from '../domain/reveal.js'

/** A reveal document. */
export interface RevealDoc extends OutboxFields {
  _id: string
  reason: RevealReason
  /** The reviews revealed (those submitted when it was decided). */
  reviewIds: string[]
  revealedAt: Date
  version: number
}

/** Mongoose schema of `reveals`. */
export const RevealSchema = new Schema<RevealDoc>(
  {
    _id: { type: String, required: true },
    reason: { type: String, required: true, enum: ['both_submitted', 'window_closed'] },
    reviewIds: { type: [String], required: true },
    revealedAt: { type: Date, required: true },
    version: { type: Number, required: true, default: 0 },
  },
  { collection: 'reveals', minimize: false },
)
RevealSchema.plugin(outboxPlugin)

/** The `Reveal` model (once per connection). */
export function revealModel(conn: Connection): Model<RevealDoc> {
  return (conn.models.Reveal as Model<RevealDoc> | undefined) ?? conn.model<RevealDoc>('Reveal', RevealSchema)
}
