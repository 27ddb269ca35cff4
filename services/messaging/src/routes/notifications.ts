/** `/api/notifications…`. */
import { authenticated, callerOf, type RoutePlugin } from '@kelmah/service-kit'
import {
  GetPreferencesSchema,
  ListNotificationsSchema,
  NotificationUnreadSchema,
  PutPreferencesSchema,
  ReadAllSchema,
  ReadNotificationSchema,
} from '../schemas/notifications.js'
import type { RouteOptions } from './context.js'

/** Notification routes (all authenticated). */
export const notificationRoutes: RoutePlugin<RouteOptions> = authenticated((app, opts) => {
  const n = opts.notifications

  app.get('/', { schema: ListNotificationsSchema }, async (request) =>
    n.list(callerOf(request).sub, {
      limit: request.query.limit ?? 20,
      ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
    }),
  )
  app.get('/unread-count', { schema: NotificationUnreadSchema }, async (request) => ({
    unread: await n.unreadCount(callerOf(request).sub),
  }))
  app.post('/read-all', { schema: ReadAllSchema }, async (request) => ({
    updated: await n.markAllRead(callerOf(request).sub),
  }))
  app.post('/:id/read', { schema: ReadNotificationSchema }, async (request) =>
    n.markRead(callerOf(request).sub, request.params.id),
  )
  app.get('/preferences', { schema: GetPreferencesSchema }, async (request) => ({
    inApp: await n.preferences(callerOf(request).sub),
  }))
  app.put('/preferences', { schema: PutPreferencesSchema }, async (request) => ({
    inApp: await n.setPreferences(callerOf(request).sub, request.body.inApp as Record<string, boolean>),
  }))
  return Promise.resolve()
})
