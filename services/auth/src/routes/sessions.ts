/** `POST /login`, `/refresh` (public) and `/logout`, `/logout-all` (bearer, live session): sessions. */
import { authenticated, callerOf, type RoutePlugin } from '@kelmah/service-kit'
import { LoginSchema, LogoutAllSchema, LogoutSchema, RefreshSchema } from '../schemas/sessions.js'
import { requestContext, type RouteOptions } from './context.js'

/** Signing in: with a password, or with a refresh token. */
export const sessionRoutes: RoutePlugin<RouteOptions> = (app, opts) => {
  app.post('/login', { schema: LoginSchema }, async (request) =>
    opts.accounts.login(request.body, requestContext(request)),
  )

  app.post('/refresh', { schema: RefreshSchema }, async (request) => opts.accounts.refresh(request.body))
  return Promise.resolve()
}

/** Signing out: one session or all of them. */
export const logoutRoutes: RoutePlugin<RouteOptions> = authenticated<RouteOptions>((app, opts) => {
  app.post(
    '/logout',
    {
      schema: LogoutSchema,
      preHandler: opts.liveSession,
      // The body is optional: an empty request validates as `{}`.
      preValidation: (request) => {
        request.body ??= {}
        return Promise.resolve()
      },
    },
    async (request, reply) => {
      const caller = callerOf(request)
      await opts.accounts.logout(caller.sub, caller.sid, request.body?.refreshToken)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/logout-all',
    { schema: LogoutAllSchema, preHandler: opts.liveSession },
    async (request, reply) => {
      await opts.accounts.logoutAll(callerOf(request).sub)
      return reply.code(204).send(null)
    },
  )
  return Promise.resolve()
})
