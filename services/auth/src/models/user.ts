/**
 * The User aggregate: credentials, role, email verification and outstanding one-time codes,
 * plus the outbox its events ride in (written in the same document write as the change, through
 * the store of `app.ts`, guarded by `version`).
 */
import { outboxPlugin, type OutboxFields } from '@kelmah/bus'
import { Schema, type Connection, type Model, type Types } from 'mongoose'

/** Roles an account may have; `admin` only through the CLI. */
export type Role = 'hirer' | 'worker' | 'admin'

/** An outstanding one-time code (only its keyed hash is kept; tries are counted in Redis). */
export interface OtpRecord {
  hash: string
  expiresAt: Date
}

/** A user document as stored. */
export interface UserDoc extends OutboxFields {
  _id: Types.ObjectId
  /** Lower case, trimmed; unique. */
  email: string
  name: string
  role: Role
  /** argon2id PHC string. Never leaves the service. */
  passwordHash: string
  emailVerified: boolean
  emailVerifiedAt?: Date | null
  /** Outstanding codes by purpose. */
  otp?: { verify?: OtpRecord | null; reset?: OtpRecord | null }
  passwordChangedAt?: Date | null
  /** Set while an admin has the account suspended (domain/suspension.ts); null or absent otherwise. */
  suspension?: { at: Date; by: string; reason: string } | null
  /** Write counter guarding every change (`AggregateStore`); documents from before it have none. */
  version: number
  createdAt: Date
  updatedAt: Date
}

const OtpSchema = new Schema<OtpRecord>(
  { hash: { type: String, required: true }, expiresAt: { type: Date, required: true } },
  { _id: false },
)

/** Mongoose schema of `users`; email is unique (stored lower case, so uniqueness is case-insensitive). */
export const UserSchema = new Schema<UserDoc>(
  {
    email: { type: String, required: true, lowercase: true, trim: true, maxlength: 254 },
    name: { type: String, required: true, trim: true, maxlength: 100 },
    role: { type: String, required: true, enum: ['hirer', 'worker', 'admin'] },
    passwordHash: { type: String, required: true },
    emailVerified: { type: Boolean, required: true, default: false },
    emailVerifiedAt: { type: Date, default: null },
    otp: {
      verify: { type: OtpSchema, default: undefined },
      reset: { type: OtpSchema, default: undefined },
    },
    passwordChangedAt: { type: Date, default: null },
    suspension: {
      type: new Schema(
        { at: { type: Date, required: true }, by: { type: String, required: true }, reason: String },
        { _id: false },
      ),
      default: null,
    },
    version: { type: Number, default: 0 },
  },
  { collection: 'users', timestamps: true, minimize: true },
)
UserSchema.index({ email: 1 }, { unique: true })
UserSchema.plugin(outboxPlugin)

/** The User model on `conn` (created once per connection). */
export function userModel(conn: Connection): Model<UserDoc> {
  return (conn.models.User as Model<UserDoc> | undefined) ?? conn.model<UserDoc>('User', UserSchema)
}

/** Normalise an email for storage and lookup: trimmed, lower case. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase()
}
