/**
 * Refresh-token families (see `models/session.ts` for the storage and why it looks like this):
 * start, rotate with reuse detection, revoke.
 */
import { randomUUID } from 'node:crypto'
import { isDuplicateKey, type Clock } from '@kelmah/service-kit'
import type { Model } from 'mongoose'
import { RefreshInvalid, RefreshReused } from '../errors.js'
import type { RevocationDoc, RevokeReason, SessionDoc, SpentTokenDoc } from '../models/session.js'
import { hashRefreshToken, newRefreshToken } from '../tokens.js'

/** Options of {@link SessionStore}. */
export interface SessionStoreOptions {
  /** Lifetime of a family from its start, milliseconds. */
  ttlMs: number
  /** The service clock (tests move it). */
  now: Clock
}

/** Where a session was started from (kept for a future "where am I signed in" view). */
export interface SessionMeta {
  userAgent?: string | undefined
  ip?: string | undefined
}

/** A session and the refresh token that works for it now. */
export interface IssuedSession {
  session: SessionDoc
  refreshToken: string
}

/** Session persistence and the refresh-token rules. */
export class SessionStore {
  readonly #Session: Model<SessionDoc>
  readonly #Spent: Model<SpentTokenDoc>
  readonly #Revocation: Model<RevocationDoc>
  readonly #opts: SessionStoreOptions

  constructor(
    models: {
      Session: Model<SessionDoc>
      SpentToken: Model<SpentTokenDoc>
      Revocation: Model<RevocationDoc>
    },
    opts: SessionStoreOptions,
  ) {
    this.#Session = models.Session
    this.#Spent = models.SpentToken
    this.#Revocation = models.Revocation
    this.#opts = opts
  }

  /** Start a new family for `userId`. */
  async start(userId: string, meta: SessionMeta = {}): Promise<IssuedSession> {
    const refreshToken = newRefreshToken()
    const now = this.#opts.now()
    const doc: SessionDoc = {
      _id: randomUUID(),
      userId,
      currentHash: hashRefreshToken(refreshToken),
      expiresAt: new Date(now.getTime() + this.#opts.ttlMs),
      createdAt: now,
      lastUsedAt: now,
      userAgent: meta.userAgent?.slice(0, 300) ?? null,
      ip: meta.ip ?? null,
    }
    await this.#Session.collection.insertOne(doc as never)
    return { session: doc, refreshToken }
  }

  /**
   * Swap `refreshToken` for a new one. The old token is marked spent by a unique-key insert, so
   * of two concurrent calls with one token exactly one succeeds; the other — like any later
   * replay of a spent token — revokes the whole family (its current token included).
   *
   * @throws RefreshReused (401) for an already-rotated token — the family is revoked
   * @throws RefreshInvalid (401) for an unknown, expired or revoked token
   */
  async rotate(refreshToken: string): Promise<IssuedSession> {
    const hash = hashRefreshToken(refreshToken)
    const now = this.#opts.now()
    const session = await this.#Session.findOne({ currentHash: hash }).lean<SessionDoc>()
    if (!session) {
      const spent = await this.#Spent.findById(hash).lean<SpentTokenDoc>()
      if (!spent) throw new RefreshInvalid()
      await this.#revokeSessions([spent.sessionId], undefined, 'reuse')
      throw new RefreshReused()
    }
    if (session.expiresAt <= now || (await this.#Revocation.exists({ _id: session._id })))
      throw new RefreshInvalid()
    try {
      await this.#Spent.collection.insertOne({ _id: hash, sessionId: session._id, spentAt: now } as never)
    } catch (err) {
      if (!isDuplicateKey(err)) throw err
      await this.#revokeSessions([session._id], session.userId, 'reuse')
      throw new RefreshReused()
    }
    const next = newRefreshToken()
    const currentHash = hashRefreshToken(next)
    await this.#Session.updateOne({ _id: session._id }, { $set: { currentHash, lastUsedAt: now } })
    return { session: { ...session, currentHash, lastUsedAt: now }, refreshToken: next }
  }

  /** End session `sid` of `userId` (idempotent). */
  async revoke(sid: string, userId: string, reason: RevokeReason): Promise<void> {
    if (await this.#Session.exists({ _id: sid, userId })) await this.#revokeSessions([sid], userId, reason)
  }

  /** End the session whose current refresh token is `refreshToken`, when it is `userId`'s. */
  async revokeByToken(refreshToken: string, userId: string, reason: RevokeReason): Promise<void> {
    const session = await this.#Session
      .findOne({ currentHash: hashRefreshToken(refreshToken), userId }, { _id: 1 })
      .lean<Pick<SessionDoc, '_id'>>()
    if (session) await this.#revokeSessions([session._id], userId, reason)
  }

  /** End every unexpired session of `userId`, except `keepSid` when given. */
  async revokeAll(userId: string, reason: RevokeReason, keepSid?: string): Promise<void> {
    const sessions = await this.#Session
      .find(
        { userId, expiresAt: { $gt: this.#opts.now() }, ...(keepSid ? { _id: { $ne: keepSid } } : {}) },
        { _id: 1 },
      )
      .lean<Array<Pick<SessionDoc, '_id'>>>()
    await this.#revokeSessions(
      sessions.map((s) => s._id),
      userId,
      reason,
    )
  }

  /** True when session `sid` of `userId` exists, has not expired and was not revoked. */
  async isLive(sid: string, userId: string): Promise<boolean> {
    const [session, revoked] = await Promise.all([
      this.#Session.exists({ _id: sid, userId, expiresAt: { $gt: this.#opts.now() } }),
      this.#Revocation.exists({ _id: sid }),
    ])
    return session !== null && revoked === null
  }

  /** Insert revocations; ones that exist already stay as they are (the first reason wins). */
  async #revokeSessions(ids: string[], userId: string | undefined, reason: RevokeReason): Promise<void> {
    if (ids.length === 0) return
    const owner =
      userId ??
      (await this.#Session.findById(ids[0], { userId: 1 }).lean<Pick<SessionDoc, 'userId'>>())?.userId ??
      'unknown'
    const at = this.#opts.now()
    try {
      await this.#Revocation.collection.insertMany(
        ids.map((_id) => ({ _id, userId: owner, reason, at }) as never),
        { ordered: false },
      )
    } catch (err) {
      const writeErrors = (err as { writeErrors?: unknown[] | object }).writeErrors
      const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : []
      if (!(isDuplicateKey(err) || (list.length > 0 && list.every(isDuplicateKey)))) throw err
    }
  }
}
