/**
 * The admins' use cases in auth (issue 14, the admin surface): user search by email prefix, and
 * suspending and reinstating accounts. Every change is recorded in the service's append-only
 * audit log (`@kelmah/service-kit` src/audit.ts) and a suspension voids the user's tokens and
 * closes their sockets (the revocation mark and notice). Routes: `routes/admin.ts`.
 */
import { decodeCursor, pageOf, type AuditLog, type Caller } from '@kelmah/service-kit'
import { Types, type Model } from 'mongoose'
import { reinstate, suspend } from '../domain/suspension.js'
import { AlreadySuspended, UserNotFound } from '../errors.js'
import { normaliseEmail, type Role, type UserDoc } from '../models/user.js'
import type { RequestContext, UserStore } from './users.js'

/** A user as admins see it. */
export interface AdminUserView {
  id: string
  email: string
  name: string
  role: Role
  emailVerified: boolean
  suspended: boolean
  /** When the current suspension began (null when not suspended). */
  suspendedAt: string | null
  createdAt: string
}

/** Collaborators of {@link AdminUsers}. */
export interface AdminDeps {
  users: UserStore
  audit: AuditLog
  revokeTokens: (userId: string) => Promise<void>
  now: () => Date
}

type AdminUserDoc = Pick<
  UserDoc,
  '_id' | 'email' | 'name' | 'role' | 'emailVerified' | 'suspension' | 'createdAt' | 'version'
>

function viewOf(u: AdminUserDoc): AdminUserView {
  return {
    id: String(u._id),
    email: u.email,
    name: u.name,
    role: u.role,
    emailVerified: u.emailVerified,
    suspended: Boolean(u.suspension),
    suspendedAt: u.suspension ? u.suspension.at.toISOString() : null,
    createdAt: new Date(u.createdAt).toISOString(),
  }
}

const PROJECTION = { email: 1, name: 1, role: 1, emailVerified: 1, suspension: 1, createdAt: 1, version: 1 }

/** Admin use cases on accounts. */
export class AdminUsers {
  readonly #d: AdminDeps

  constructor(deps: AdminDeps) {
    this.#d = deps
  }

  get #User(): Model<UserDoc> {
    return this.#d.users.model as Model<UserDoc>
  }

  /**
   * Users whose email starts with `q` (case-insensitive; all users without `q`), in email order,
   * as cursor pages.
   *
   * @throws BadRequest (400, field `cursor`) for a cursor this list did not make
   */
  async search(query: {
    q?: string
    cursor?: string
    limit?: number
  }): Promise<{ items: AdminUserView[]; nextCursor: string | null }> {
    const limit = query.limit ?? 20
    const prefix = normaliseEmail(query.q ?? '')
    const after = decodeCursor(query.cursor, 1)?.[0]
    const range: Record<string, string> = {}
    if (prefix) {
      range.$gte = prefix
      range.$lt = `${prefix}\uffff`
    }
    if (typeof after === 'string' && (!range.$gte || after >= range.$gte)) {
      delete range.$gte
      range.$gt = after
    }
    const rows = await this.#User
      .find(Object.keys(range).length ? { email: range } : {}, PROJECTION)
      .sort({ email: 1 })
      .limit(limit + 1)
      .lean<AdminUserDoc[]>()
    const page = pageOf(rows, limit, (last) => [last.email])
    return { items: page.items.map(viewOf), nextCursor: page.nextCursor }
  }

  /**
   * Suspend the account `userId`: `UserSuspended` in the same write, an audit entry, the user's
   * tokens voided (and their sockets told).
   *
   * @throws UserNotFound (404), SelfSuspension, AlreadySuspended (409)
   */
  async suspend(admin: Caller, userId: string, reason: string, ctx: RequestContext): Promise<AdminUserView> {
    const user = await this.#d.users
      .change(
        this.#id(userId),
        (current) => suspend(current, { adminId: admin.sub, reason }, this.#d.now(), ctx),
        { missing: () => new UserNotFound() },
      )
      .catch(async (err: unknown) => {
        // A retry after a crash between the write and the revocation heals: the mark is set again.
        if (err instanceof AlreadySuspended) await this.#d.revokeTokens(userId)
        throw err
      })
    await this.#after(admin, 'user.suspend', user, reason, ctx)
    await this.#d.revokeTokens(userId)
    return viewOf(user)
  }

  /**
   * Lift the suspension of `userId`: `UserReinstated` in the same write and an audit entry.
   *
   * @throws UserNotFound (404), NotSuspended (409)
   */
  async reinstate(
    admin: Caller,
    userId: string,
    reason: string,
    ctx: RequestContext,
  ): Promise<AdminUserView> {
    const user = await this.#d.users.change(this.#id(userId), (current) => reinstate(current, ctx), {
      missing: () => new UserNotFound(),
    })
    await this.#after(admin, 'user.reinstate', user, reason, ctx)
    return viewOf(user)
  }

  /** The audit entry of a change; its id names the user's version, so a replay logs once. */
  async #after(admin: Caller, action: string, user: AdminUserDoc, reason: string, ctx: RequestContext) {
    await this.#d.audit.record({
      id: `${action}:${String(user._id)}:${user.version}`,
      actorId: admin.sub,
      action,
      target: { type: 'user', id: String(user._id) },
      reason,
      requestId: ctx.correlationId ?? 'unknown',
    })
  }

  #id(userId: string): Types.ObjectId {
    if (!Types.ObjectId.isValid(userId)) throw new UserNotFound()
    return new Types.ObjectId(userId)
  }
}
