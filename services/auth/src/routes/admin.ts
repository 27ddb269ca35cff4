/**
 * The admin routes of auth, all behind a verified token and the admin role (the gateway refuses
 * other roles on `/api/auth/admin/*` too): `GET /admin/users?q=&cursor=&limit=` (search by email
 * prefix), `POST /admin/users/:id/suspend` and `/reinstate` with `{reason}`, and
 * `GET /admin/audit` (service-kit's audit log route, registered in app.ts).
 */
import { authenticated, callerOf, requireRole, type RoutePlugin } from '@kelmah/service-kit'
import { ReinstateUserSchema, SearchUsersSchema, SuspendUserSchema } from '../schemas/admin.js'
import type { AdminUsers } from '../services/admin.js'
import { requestContext } from './context.js'

/** Options of {@link adminRoutes}. */
export type AdminRouteOptions = { admin: AdminUsers }

/** The admins' user routes. */
export const adminRoutes: RoutePlugin<AdminRouteOptions> = authenticated<AdminRouteOptions>((app, opts) => {
  app.addHook('preHandler', requireRole('admin'))

  app.get('/admin/users', { schema: SearchUsersSchema }, async (request) => opts.admin.search(request.query))

  app.post('/admin/users/:id/suspend', { schema: SuspendUserSchema }, async (request) => ({
    user: await opts.admin.suspend(
      callerOf(request),
      request.params.id,
      request.body.reason.trim(),
      requestContext(request),
    ),
  }))

  app.post('/admin/users/:id/reinstate', { schema: ReinstateUserSchema }, async (request) => ({
    user: await opts.admin.reinstate(
      callerOf(request),
      request.params.id,
      request.body.reason.trim(),
      requestContext(request),
    ),
  }))
  return Promise.resolve()
})
