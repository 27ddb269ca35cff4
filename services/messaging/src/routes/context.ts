/** What every route plugin receives from `buildApp`, and small helpers they share. */
import type { FastifyRequest } from 'fastify'
import type mongoose from 'mongoose'
import type { Chat } from '../services/chat.js'
import type { Notifications } from '../services/notifications.js'
import type { Safety } from '../services/safety.js'

/** Options of the route plugins. */
export interface RouteOptions {
  chat: Chat
  notifications: Notifications
  safety: Safety
  attachments: mongoose.mongo.GridFSBucket
  attachmentMaxBytes: number
}

/** The authenticated user's id (set by `app.authenticate`). @throws Error when a route forgot `authenticate` */
export function userId(request: FastifyRequest): string {
  if (!request.user) throw new Error('route is missing the authenticate preHandler')
  return request.user.sub
}
