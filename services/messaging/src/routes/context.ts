/** What every route plugin receives from `buildApp`. */
import type mongoose from 'mongoose'
import type { Chat } from '../services/chat.js'
import type { Notifications } from '../services/notifications.js'
import type { Safety } from '../services/safety.js'

/** Options of the route plugins (a type, not an interface: route plugin options are records). */
export type RouteOptions = {
  chat: Chat
  notifications: Notifications
  safety: Safety
  attachments: mongoose.mongo.GridFSBucket
  /** Largest attachment, bytes. */
  attachmentMaxBytes: number
}
