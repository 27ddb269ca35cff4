/**
 * `/api/chat/admin/reports…` — the admins' report queue (issue 14, the admin surface). Every
 * route needs a verified token and the admin role here as well as at the gateway (which refuses
 * other roles on `/api/<service>/admin/*`). The audit log, `GET /api/chat/admin/audit`, is
 * service-kit's `auditRoutes`, registered in app.ts.
 */
import { authenticated, callerOf, requireRole, type RoutePlugin } from '@kelmah/service-kit'
import {
  DismissReportSchema,
  GetReportSchema,
  ListReportsSchema,
  ResolveReportSchema,
} from '../schemas/admin.js'
import type { Moderation } from '../services/moderation.js'

/** Options of {@link adminRoutes}. */
export type AdminRouteOptions = { moderation: Moderation }

/** The admins' report routes. */
export const adminRoutes: RoutePlugin<AdminRouteOptions> = authenticated<AdminRouteOptions>((app, opts) => {
  // Before validation: a non-admin learns nothing about the routes' inputs, only the 403.
  app.addHook('preValidation', requireRole('admin'))

  app.get('/admin/reports', { schema: ListReportsSchema }, async (request) =>
    opts.moderation.list(request.query),
  )

  app.get('/admin/reports/:id', { schema: GetReportSchema }, async (request) =>
    opts.moderation.get(request.params.id),
  )

  app.post('/admin/reports/:id/resolve', { schema: ResolveReportSchema }, async (request) => ({
    report: await opts.moderation.close(callerOf(request).sub, request.params.id, 'resolved', {
      reason: request.body.reason.trim(),
      ...(request.body.action ? { action: request.body.action } : {}),
      requestId: request.id,
    }),
  }))

  app.post('/admin/reports/:id/dismiss', { schema: DismissReportSchema }, async (request) => ({
    report: await opts.moderation.close(callerOf(request).sub, request.params.id, 'dismissed', {
      reason: request.body.reason.trim(),
      ...(request.body.action ? { action: request.body.action } : {}),
      requestId: request.id,
    }),
  }))
  return Promise.resolve()
})
