/** `/api/notifications…`. */
import type { KelmahApp } from '@kelmah/service-kit'
import {
  GetPreferencesSchema,
  ListNotificationsSchema,
  NotificationUnreadSchema,
  PutPreferencesSchema,
  ReadAllSchema,
  ReadNotificationSchema,
} from '../schemas/notifications.js'
import { userId, type RouteOptions } from './context.js'

/** Notification routes. */
export async function notificationRoutes(app: KelmahApp, opts: RouteOptions): Promise<void> {
  const n = opts.notifications
  app.addHook('preHandler', app.authenticate)

  app.get('/', { schema: ListNotificationsSchema }, async (request) =>
    n.list(userId(request), {
      limit: request.query.limit ?? 20,
      ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
    }),
  )
  app.get('/unread-count', { schema: NotificationUnreadSchema }, async (request) => ({
    unread: await n.unreadCount(userId(request)),
  }))
  app.post('/read-all', { schema: ReadAllSchema }, async (request) => ({
    updated: await n.markAllRead(userId(request)),
  }))
  app.post('/:id/read', { schema: ReadNotificationSchema }, async (request) =>
    n.markRead(userId(request), request.params.id),
  )
  app.get('/preferences', { schema: GetPreferencesSchema }, async (request) => ({
    inApp: await n.preferences(userId(request)),
  }))
  app.put('/preferences', { schema: PutPreferencesSchema }, async (request) => ({
    inApp: await n.setPreferences(userId(request), request.body.inApp as Record<string, boolean>),
  }))
}
