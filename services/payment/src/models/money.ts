/** The Money sub-schema every payment model embeds (`{amountMinor, currency}`, no `_id`). */
import { Schema } from 'mongoose'

/** Mongoose sub-schema of Money: integer minor units and an ISO 4217 code. */
export const MoneySchema = new Schema(
  {
    amountMinor: { type: Number, required: true, validate: Number.isSafeInteger },
    currency: { type: String, required: true },
  },
  { _id: false },
)
