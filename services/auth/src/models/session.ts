/**
 * Sessions: one document per refresh-token family, plus two insert-only collections that carry
 * the decisions needing atomicity:
 *
 * - `spent_refresh_tokens` — `{_id: tokenHash, sessionId}`, inserted when a token is rotated
 *   away. The unique `_id` makes "exactly one of two concurrent refreshes wins" hold, and a
 *   replayed old token is found by its hash (reuse → revoke the family).
 * - `session_revocations` — `{_id: sessionId, userId, reason, at}`; a session is live only
 *   without one.
 *
 * Why not one guarded `findOneAndUpdate` on the session document: FerretDB 1.24 (SQLite) does not
 * isolate concurrent updates of one document (two concurrent guarded updates can both win, and
 * one can overwrite the other's fields), while a unique-key insert is enforced. These shapes are
 * correct on MongoDB 7 and FerretDB alike (OAuth 2.0 Security BCP: refresh-token rotation with
 * reuse detection).
 *
 * Only SHA-256 hashes of refresh tokens are stored. Nothing is removed on expiry (no TTL indexes
 * on FerretDB 1.24); `expiresAt` is checked on every use.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-security-topics#name-refresh-token-protection
 */
import { Schema, type Connection, type Model } from 'mongoose'

/** Why a session ended. */
export type RevokeReason =
  'logout' | 'logout-all' | 'reuse' | 'password-change' | 'password-reset' | 'user-gone'

/** A session (refresh-token family) as stored. */
export interface SessionDoc {
  /** The family id (UUID); the `sid` claim of its access tokens. */
  _id: string
  /** The user's id (hex ObjectId). */
  userId: string
  /** SHA-256 (base64url) of the one refresh token that works now. */
  currentHash: string
  /** The family's absolute end; sign in again after it. */
  expiresAt: Date
  createdAt: Date
  lastUsedAt: Date
  userAgent?: string | null
  ip?: string | null
}

/** A refresh token that was rotated away. */
export interface SpentTokenDoc {
  /** The token's hash. */
  _id: string
  sessionId: string
  spentAt: Date
}

/** The end of a session. */
export interface RevocationDoc {
  /** The session id. */
  _id: string
  userId: string
  reason: RevokeReason
  at: Date
}

/** Mongoose schema of `sessions`. */
export const SessionSchema = new Schema<SessionDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    currentHash: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    createdAt: { type: Date, required: true },
    lastUsedAt: { type: Date, required: true },
    userAgent: { type: String, default: null, maxlength: 300 },
    ip: { type: String, default: null, maxlength: 100 },
  },
  { collection: 'sessions', versionKey: false },
)
SessionSchema.index({ currentHash: 1 }, { unique: true })
SessionSchema.index({ userId: 1 })

const SpentTokenSchema = new Schema<SpentTokenDoc>(
  {
    _id: { type: String, required: true },
    sessionId: { type: String, required: true },
    spentAt: { type: Date, required: true },
  },
  { collection: 'spent_refresh_tokens', versionKey: false },
)

const RevocationSchema = new Schema<RevocationDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    reason: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'session_revocations', versionKey: false },
)

/** The session models on `conn` (created once per connection). */
export function sessionModels(conn: Connection): {
  Session: Model<SessionDoc>
  SpentToken: Model<SpentTokenDoc>
  Revocation: Model<RevocationDoc>
} {
  return {
    Session:
      (conn.models.Session as Model<SessionDoc> | undefined) ??
      conn.model<SessionDoc>('Session', SessionSchema),
    SpentToken:
      (conn.models.SpentToken as Model<SpentTokenDoc> | undefined) ??
      conn.model<SpentTokenDoc>('SpentToken', SpentTokenSchema),
    Revocation:
      (conn.models.Revocation as Model<RevocationDoc> | undefined) ??
      conn.model<RevocationDoc>('Revocation', RevocationSchema),
  }
}
