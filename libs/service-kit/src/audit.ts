/**
 * The admins' audit log (issue 14, "The admin surface"): an append-only `audit_log` collection in
 * each service's own database recording every admin action — who did it, what, to what, why,
 * when, and in which request — and a route factory for reading it back,
 * `GET /api/<service>/admin/audit?cursor=&limit=` (admins only, newest first, cursor pages).
 *
 * Append-only by construction: {@link AuditLog} offers `record` and `list` and nothing else, and
 * the mongoose schema refuses every update, replace and delete query (a pre-hook throws), so a
 * caller reaching for the model cannot rewrite history by accident. An entry may carry an `id`
 * derived from the business fact it records (e.g. `suspend:<userId>:<version>`): recording it
 * again (a retried request, a replayed handler) is answered with the stored entry, never a second
 * one — the unique `_id` insert is the commit point (the FerretDB rule, docs/architecture.md).
 *
 * ```ts
 * const audit = new AuditLog(app.mongo, { now: app.now })
 * await audit.record({ actorId: caller.sub, action: 'user.suspend', target: { type: 'user', id },
 *                      reason, requestId: request.id })
 * await app.register(auditRoutes, { service: 'auth', log: audit })
 * ```
 */
import { randomUUID } from 'node:crypto'
import { Page, PageQuery, Problem } from '@kelmah/contracts'
import type { Connection, Model } from 'mongoose'
import mongoose from 'mongoose'
import Type, { type Static } from 'typebox'
import { requireRole } from './auth.js'
import { isDuplicateKey, systemClock, type Clock } from './store.js'
import { decodeCursor, pageOf } from './pagination.js'
import type { RoutePlugin } from './service-shape.js'

/** What an admin action was done to. */
export interface AuditTarget {
  /** The kind of thing: `user`, `report`, `review`, `dispute`, … */
  type: string
  /** Its id in the service that owns it. */
  id: string
}

/** One admin action as recorded. */
export interface AuditEntry {
  /** The entry's id: the caller's fact-derived id, or a random UUID. */
  id: string
  /** The admin's user id (the token's `sub`). */
  actorId: string
  /** What was done, `<resource>.<verb>` (`user.suspend`, `report.resolve`). */
  action: string
  target: AuditTarget
  /** The admin's stated reason (free text, at most 2000 characters). */
  reason: string
  /** When it was done (the service clock). */
  at: Date
  /** The request id of the admin's request (`x-request-id`), to join with the logs. */
  requestId: string
}

/** What {@link AuditLog.record} takes: an entry without its time (and, optionally, id). */
export type AuditInput = Omit<AuditEntry, 'id' | 'at'> & { id?: string; at?: Date }

interface AuditDoc {
  _id: string
  actorId: string
  action: string
  target: AuditTarget
  reason: string
  at: Date
  requestId: string
}

/** The longest reason kept, characters. */
export const AUDIT_REASON_MAX = 2000

const refuse = function (): never {
  throw new Error('audit_log is append-only: entries are never updated or deleted')
}

const auditSchema = new mongoose.Schema<AuditDoc>(
  {
    _id: { type: String, required: true },
    actorId: { type: String, required: true },
    action: { type: String, required: true },
    target: {
      type: { type: String, required: true },
      id: { type: String, required: true },
    },
    reason: { type: String, required: true, maxlength: AUDIT_REASON_MAX },
    at: { type: Date, required: true },
    requestId: { type: String, required: true },
  },
  { collection: 'audit_log', versionKey: false, _id: false },
)
auditSchema.index({ at: -1, _id: -1 })
auditSchema.pre(
  [
    'updateOne',
    'updateMany',
    'findOneAndUpdate',
    'replaceOne',
    'findOneAndReplace',
    'deleteOne',
    'deleteMany',
    'findOneAndDelete',
  ],
  refuse,
)

function modelOn(conn: Connection): Model<AuditDoc> {
  return (
    (conn.models.AuditLog as Model<AuditDoc> | undefined) ?? conn.model<AuditDoc>('AuditLog', auditSchema)
  )
}

function entryOf(doc: AuditDoc): AuditEntry {
  return {
    id: doc._id,
    actorId: doc.actorId,
    action: doc.action,
    target: { type: doc.target.type, id: doc.target.id },
    reason: doc.reason,
    at: doc.at,
    requestId: doc.requestId,
  }
}

/** The append-only audit log of one service (its `audit_log` collection). */
export class AuditLog {
  readonly #model: Model<AuditDoc>
  readonly #now: Clock

  /** @param conn - the service's own database (`app.mongo`) */
  constructor(conn: Connection, opts: { now?: Clock } = {}) {
    this.#model = modelOn(conn)
    this.#now = opts.now ?? systemClock
  }

  /**
   * Append one entry. With an `id` already recorded, nothing is written and the stored entry is
   * returned (so a retried admin action is logged once).
   *
   * @returns the stored entry
   * @throws mongoose ValidationError when a required field is missing or the reason is too long
   */
  async record(input: AuditInput): Promise<AuditEntry> {
    const doc: AuditDoc = {
      _id: input.id ?? randomUUID(),
      actorId: input.actorId,
      action: input.action,
      target: { type: input.target.type, id: input.target.id },
      reason: input.reason,
      at: input.at ?? this.#now(),
      requestId: input.requestId,
    }
    try {
      await this.#model.create(doc)
      return entryOf(doc)
    } catch (err) {
      if (!isDuplicateKey(err)) throw err
      const stored = await this.#model.findById(doc._id).lean<AuditDoc>()
      if (!stored) throw err
      return entryOf(stored)
    }
  }

  /**
   * One page of entries, newest first (`at` desc, then id desc).
   *
   * @param q.limit - 1..100, default 20
   * @param q.cursor - a `nextCursor` of a previous page
   * @throws BadRequest (400, field `cursor`) for a cursor this list did not make
   */
  async list(q: {
    limit?: number
    cursor?: string
  }): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
    const limit = q.limit ?? 20
    const position = decodeCursor(q.cursor, 2)
    const filter = position
      ? {
          $or: [
            { at: { $lt: new Date(position[0] as string) } },
            { at: new Date(position[0] as string), _id: { $lt: String(position[1]) } },
          ],
        }
      : {}
    const rows = await this.#model
      .find(filter)
      .sort({ at: -1, _id: -1 })
      .limit(limit + 1)
      .lean<AuditDoc[]>()
    const page = pageOf(rows, limit, (last) => [last.at.toISOString(), last._id])
    return { items: page.items.map(entryOf), nextCursor: page.nextCursor }
  }
}

/** An audit entry as the API returns it. */
export const AuditEntrySchema = Type.Object({
  id: Type.String(),
  actorId: Type.String(),
  action: Type.String(),
  target: Type.Object({ type: Type.String(), id: Type.String() }),
  reason: Type.String(),
  at: Type.String({ format: 'date-time' }),
  requestId: Type.String(),
})
export type AuditEntryView = Static<typeof AuditEntrySchema>

/** Options of {@link auditRoutes}. */
export interface AuditRoutesOptions {
  /**
   * The service's API segment: `auth` → `GET /api/auth/admin/audit`. (Not `prefix`: Fastify
   * would take that as a route prefix of the registration.)
   */
  service: string
  log: AuditLog
}

/**
 * `GET /api/<service>/admin/audit?cursor=&limit=` — the service's audit log, newest first, for
 * admins (401 without a token, 403 for other roles; the gateway refuses non-admins on every
 * `/api/<service>/admin/*` path too). Register with `app.register(auditRoutes, { service, log })`.
 */
export const auditRoutes: RoutePlugin<AuditRoutesOptions> = async (app, opts) => {
  app.get(
    `/api/${opts.service}/admin/audit`,
    {
      onRequest: app.authenticate,
      preHandler: requireRole('admin'),
      schema: {
        summary: 'The audit log of admin actions in this service, newest first (admins)',
        tags: ['admin'],
        security: [{ bearerAuth: [] }],
        querystring: Type.Object(PageQuery.properties, { additionalProperties: false }),
        response: {
          200: Page(AuditEntrySchema),
          400: Problem,
          401: Problem,
          403: Problem,
        },
      },
    },
    async (request) => {
      const { items, nextCursor } = await opts.log.list(request.query)
      return { items: items.map((e) => ({ ...e, at: e.at.toISOString() })), nextCursor }
    },
  )
}
