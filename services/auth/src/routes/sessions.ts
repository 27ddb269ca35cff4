/** `POST /login`, `/refresh`, `/logout`, `/logout-all`: sessions. */
import type { KelmahApp } from '@kelmah/service-kit'
import { LoginSchema, LogoutAllSchema, LogoutSchema, RefreshSchema } from '../schemas/sessions.js'
import { requestContext, userOf, type RouteOptions } from './context.js'

/** Session routes. */
export async function sessionRoutes(app: KelmahApp, opts: RouteOptions): Promise<void> {
  const authed = { preHandler: [app.authenticate, opts.liveSession] }

  app.post('/login', { schema: LoginSchema }, async (request) => opts.accounts.login(request.body, requestContext(request)))

  app.post('/refresh', { schema: RefreshSchema }, async (request) => opts.accounts.refresh(request.body))

  app.post(
    '/logout',
    {
      schema: LogoutSchema,
      ...authed,
      // The body is optional: an empty request validates as `{}`.
      preValidation: async (request) => {
        request.body ??= {}
      },
    },
    async (request, reply) => {
      const user = userOf(request)
      await opts.accounts.logout(user.sub, user.sid, request.body?.refreshToken)
      return reply.code(204).send(null)
    },
  )

  app.post('/logout-all', { schema: LogoutAllSchema, ...authed }, async (request, reply) => {
    await opts.accounts.logoutAll(userOf(request).sub)
    return reply.code(204).send(null)
  })
}
