/**
 * The `user_suspensions` read model: whether auth has a user suspended, from its
 * `UserSuspended` / `UserReinstated` events (`services/suspensions.ts`). One document per user
 * ever suspended, `_id` = the user id; `at` is the `occurredAt` of the last applied event, so a
 * late older event is recognised and ignored. It is the source of truth the flags on jobs
 * (`hirerSuspended`) and worker profiles (`suspended`) are copied from — the lists filter on those
 * flags, one equality-shaped condition on documents they already read, instead of joining this.
 * Never written by a request.
 */
import { Schema, type Connection, type Model } from 'mongoose'

/** A user's suspension state as stored. */
export interface UserSuspensionDoc {
  /** The user id. */
  _id: string
  suspended: boolean
  /** `occurredAt` of the last applied `UserSuspended`/`UserReinstated`. */
  at: Date
  updatedAt: Date
}

/** Mongoose schema of `user_suspensions` (read by `_id` only). */
export const UserSuspensionSchema = new Schema<UserSuspensionDoc>(
  {
    _id: { type: String, required: true },
    suspended: { type: Boolean, required: true },
    at: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'user_suspensions', versionKey: false },
)

/** The UserSuspension model on `conn` (created once per connection). */
export function userSuspensionModel(conn: Connection): Model<UserSuspensionDoc> {
  return (
    (conn.models.UserSuspension as Model<UserSuspensionDoc> | undefined) ??
    conn.model<UserSuspensionDoc>('UserSuspension', UserSuspensionSchema)
  )
}
