/**
 * In-app notifications: written from events (idempotent by `<eventId>:<recipientId>`), skipped
 * for kinds the recipient switched off, pushed live as `{"type":"notification", …}`, listed
 * unread first then newest, marked read one by one or all at once.
 */
import {
  BadRequest,
  decodeCursor,
  encodeCursor,
  isDuplicateKey,
  withFields,
  type Clock,
} from '@kelmah/service-kit'
import type { Model } from 'mongoose'
import { NOTIFICATION_KINDS, notificationId, type NotificationDraft } from '../domain/notifications.js'
import { NotificationNotFound } from '../errors.js'
import type { NotificationDoc, PreferenceDoc } from '../models/notification.js'
import type { Push } from './push.js'

/** A notification as the API shows it. */
export interface NotificationView {
  id: string
  kind: string
  title: string
  body: string
  data: Record<string, string>
  read: boolean
  createdAt: string
  readAt: string | null
}

/** The API view of a stored notification. */
export function notificationView(n: NotificationDoc): NotificationView {
  return {
    id: n._id,
    kind: n.kind,
    title: n.title,
    body: n.body,
    data: n.data ?? {},
    read: n.unread === 0,
    createdAt: n.createdAt.toISOString(),
    readAt: n.readAt ? n.readAt.toISOString() : null,
  }
}

/** What {@link Notifications} needs. */
export interface NotificationDeps {
  Notification: Model<NotificationDoc>
  Preference: Model<PreferenceDoc>
  push: Push
  now: Clock
}

/** Notification use cases. */
export class Notifications {
  constructor(private readonly d: NotificationDeps) {}

  /**
   * Store and push the notifications of event `eventId` (each once, whatever the redeliveries).
   *
   * @returns how many were new
   */
  async deliver(eventId: string, drafts: NotificationDraft[]): Promise<number> {
    let created = 0
    for (const draft of drafts) {
      const prefs = await this.d.Preference.findOne({ _id: draft.recipientId }).lean()
      if (prefs?.disabled.includes(draft.kind)) continue
      const doc: NotificationDoc = {
        _id: notificationId(eventId, draft.recipientId),
        userId: draft.recipientId,
        kind: draft.kind,
        title: draft.title,
        body: draft.body,
        data: draft.data,
        unread: 1,
        createdAt: this.d.now(),
        readAt: null,
      }
      try {
        await this.d.Notification.collection.insertOne(doc as never)
      } catch (err) {
        if (isDuplicateKey(err)) continue
        throw err
      }
      created++
      await this.d.push.toUser(draft.recipientId, {
        type: 'notification',
        notification: notificationView(doc),
      })
    }
    return created
  }

  /** `me`'s notifications, unread first, then newest. @throws BadRequest for a bad cursor */
  async list(
    me: string,
    q: { limit: number; cursor?: string },
  ): Promise<{ items: NotificationView[]; nextCursor: string | null }> {
    const pos = decodeCursor(q.cursor, 3)
    const filter: Record<string, unknown> = { userId: me }
    if (pos) {
      const [unread, at, id] = pos
      const date = typeof at === 'string' ? new Date(at) : undefined
      if ((unread !== 0 && unread !== 1) || !date || Number.isNaN(date.getTime()) || typeof id !== 'string') {
        throw withFields(new BadRequest('the cursor is not valid for this list'), [
          { field: 'cursor', message: 'is not a cursor returned by this list', in: 'querystring' },
        ])
      }
      filter.$or = [
        { unread: { $lt: unread } },
        { unread, createdAt: { $lt: date } },
        { unread, createdAt: date, _id: { $lt: id } },
      ]
    }
    const rows = await this.d.Notification.find(filter)
      .sort({ unread: -1, createdAt: -1, _id: -1 })
      .limit(q.limit + 1)
      .lean()
    const items = rows.slice(0, q.limit)
    const last = items.at(-1)
    return {
      items: items.map(notificationView),
      nextCursor:
        rows.length > q.limit && last
          ? encodeCursor([last.unread, last.createdAt.toISOString(), last._id])
          : null,
    }
  }

  /** How many of `me`'s notifications are unread. */
  async unreadCount(me: string): Promise<number> {
    return this.d.Notification.countDocuments({ userId: me, unread: 1 })
  }

  /** Mark one of `me`'s notifications read (idempotent). @throws NotificationNotFound */
  async markRead(me: string, id: string): Promise<NotificationView> {
    const n = await this.d.Notification.findOne({ _id: id, userId: me }).lean()
    if (!n) throw new NotificationNotFound()
    if (n.unread === 0) return notificationView(n)
    const readAt = this.d.now()
    await this.d.Notification.updateOne({ _id: id, userId: me, unread: 1 }, { $set: { unread: 0, readAt } })
    return notificationView({ ...n, unread: 0, readAt })
  }

  /** Mark all of `me`'s notifications read. @returns how many changed */
  async markAllRead(me: string): Promise<number> {
    const res = await this.d.Notification.updateMany(
      { userId: me, unread: 1 },
      { $set: { unread: 0, readAt: this.d.now() } },
    )
    return res.modifiedCount
  }

  /** `me`'s in-app switches, one per kind (true = on). */
  async preferences(me: string): Promise<Record<string, boolean>> {
    const prefs = await this.d.Preference.findOne({ _id: me }).lean()
    return Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, !prefs?.disabled.includes(k)]))
  }

  /** Set some of `me`'s switches (kinds not named keep their setting). */
  async setPreferences(me: string, inApp: Record<string, boolean>): Promise<Record<string, boolean>> {
    const current = await this.preferences(me)
    const next = { ...current, ...inApp }
    const disabled = NOTIFICATION_KINDS.filter((k) => next[k] === false)
    await this.d.Preference.updateOne(
      { _id: me },
      { $set: { disabled, updatedAt: this.d.now() } },
      { upsert: true },
    )
    return this.preferences(me)
  }
}
