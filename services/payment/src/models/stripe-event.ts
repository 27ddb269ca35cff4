/**
 * `stripe_events`: every verified Stripe webhook event, by its Stripe id — the dedupe record
 * (a replay is acknowledged with no second effect) and the parking place of a
 * `payment_intent.succeeded` that arrives before its escrow knows the PaymentIntent id.
 */
import { Schema, type Connection, type Model } from 'mongoose'

/** What became of a webhook event. */
export type StripeEventStatus = 'received' | 'applied' | 'parked' | 'ignored' | 'rejected'

/** A received Stripe event. */
export interface StripeEventDoc {
  /** Stripe's event id (`evt_…`). */
  _id: string
  type: string
  /** The PaymentIntent it is about, when it is about one. */
  paymentIntentId: string | null
  status: StripeEventStatus
  /** Why it was rejected or ignored. */
  note: string | null
  /** The event as received (parked events are applied from it later). */
  payload: unknown
  receivedAt: Date
  updatedAt: Date
}

/** Mongoose schema of `stripe_events`. */
export const StripeEventSchema = new Schema<StripeEventDoc>(
  {
    _id: { type: String, required: true },
    type: { type: String, required: true },
    paymentIntentId: { type: String, default: null },
    status: { type: String, required: true },
    note: { type: String, default: null },
    payload: { type: Schema.Types.Mixed, required: true },
    receivedAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'stripe_events', minimize: false },
)
StripeEventSchema.index({ paymentIntentId: 1 })

/** The `StripeEvent` model (once per connection). */
export function stripeEventModel(conn: Connection): Model<StripeEventDoc> {
  return (
    (conn.models.StripeEvent as Model<StripeEventDoc> | undefined) ??
    conn.model('StripeEvent', StripeEventSchema)
  )
}
