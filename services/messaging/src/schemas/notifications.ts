/** Route schemas of `/api/notifications`. */
import { Page, PageQuery } from '@kelmah/contracts'
import Type from 'typebox'
import { NOTIFICATION_KINDS } from '../domain/notifications.js'
import { bearer } from './chat.js'

const tags = ['notifications']

/** A notification. */
export const NotificationSchema = Type.Object(
  {
    id: Type.String(),
    kind: Type.String(),
    title: Type.String(),
    body: Type.String(),
    data: Type.Record(Type.String(), Type.String()),
    read: Type.Boolean(),
    createdAt: Type.String(),
    readAt: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
)

/** In-app on/off per kind. */
export const PreferencesSchema = Type.Object(
  {
    inApp: Type.Object(
      Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, Type.Optional(Type.Boolean())])),
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
)

/** `GET /`. */
export const ListNotificationsSchema = {
  summary: "The caller's notifications, unread first, then newest",
  tags,
  security: bearer,
  querystring: PageQuery,
  response: { 200: Page(NotificationSchema) },
}
/** `POST /:id/read`. */
export const ReadNotificationSchema = {
  summary: 'Mark a notification read',
  tags,
  security: bearer,
  params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 300 }) }),
  response: { 200: NotificationSchema },
}
/** `POST /read-all`. */
export const ReadAllSchema = {
  summary: 'Mark every notification read',
  tags,
  security: bearer,
  response: { 200: Type.Object({ updated: Type.Integer() }) },
}
/** `GET /unread-count`. */
export const NotificationUnreadSchema = {
  summary: 'How many notifications are unread',
  tags,
  security: bearer,
  response: { 200: Type.Object({ unread: Type.Integer() }) },
}
/** `GET /preferences`. */
export const GetPreferencesSchema = {
  summary: 'In-app notification switches per kind',
  tags,
  security: bearer,
  response: { 200: PreferencesSchema },
}
/** `PUT /preferences`. */
export const PutPreferencesSchema = {
  summary: 'Switch kinds of in-app notifications on or off (kinds not named keep their setting)',
  tags,
  security: bearer,
  body: PreferencesSchema,
  response: { 200: PreferencesSchema },
}
