/**
 * `notifications` (in-app), `notification_preferences` (per kind on/off). A notification's `_id`
 * is `<eventId>:<recipientId>`: the event handler inserts, and a redelivered event hits the
 * unique `_id` instead of notifying twice. `unread` (1/0) is the first sort key of the list
 * (unread first, then newest).
 */
import { Schema, type Connection, type Model } from 'mongoose'

/** A notification as stored. */
export interface NotificationDoc {
  _id: string
  userId: string
  kind: string
  title: string
  body: string
  data: Record<string, string>
  /** 1 while unread, 0 once read (a number so it sorts). */
  unread: number
  createdAt: Date
  readAt: Date | null
}

/** A user's switched-off kinds. */
export interface PreferenceDoc {
  /** The user id. */
  _id: string
  disabled: string[]
  updatedAt: Date
}

const NotificationSchema = new Schema<NotificationDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    kind: { type: String, required: true },
    title: { type: String, required: true },
    body: { type: String, required: true },
    data: { type: Schema.Types.Mixed, default: {} },
    unread: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    readAt: { type: Date, default: null },
  },
  { collection: 'notifications', versionKey: false, minimize: false },
)
NotificationSchema.index({ userId: 1, unread: -1, createdAt: -1, _id: -1 })

const PreferenceSchema = new Schema<PreferenceDoc>(
  {
    _id: { type: String, required: true },
    disabled: { type: [String], default: [] },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'notification_preferences', versionKey: false },
)

/** The notification models on `conn`. */
export function notificationModels(conn: Connection): {
  Notification: Model<NotificationDoc>
  Preference: Model<PreferenceDoc>
} {
  return {
    Notification:
      (conn.models.Notification as Model<NotificationDoc> | undefined) ??
      conn.model<NotificationDoc>('Notification', NotificationSchema),
    Preference:
      (conn.models.NotificationPreference as Model<PreferenceDoc> | undefined) ??
      conn.model<PreferenceDoc>('NotificationPreference', PreferenceSchema),
  }
}
