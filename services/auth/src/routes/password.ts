/** `POST /password/forgot`, `/password/reset` (public) and `/password/change` (bearer, live session). */
import { authenticated, callerOf, type RoutePlugin } from '@kelmah/service-kit'
import { ChangePasswordSchema, ForgotPasswordSchema, ResetPasswordSchema } from '../schemas/password.js'
import { requestContext, type RouteOptions } from './context.js'

/** Password routes for who cannot sign in: a code by mail, then a new password with it. */
export const passwordRoutes: RoutePlugin<RouteOptions> = (app, opts) => {
  app.post('/password/forgot', { schema: ForgotPasswordSchema }, async (request, reply) => {
    await opts.accounts.forgotPassword(request.body)
    return reply.code(202).send({ message: 'If this address has an account, a reset code is on its way.' })
  })

  app.post('/password/reset', { schema: ResetPasswordSchema }, async (request, reply) => {
    await opts.accounts.resetPassword(request.body, requestContext(request))
    return reply.code(204).send(null)
  })
  return Promise.resolve()
}

/** The signed-in user's password change. */
export const passwordChangeRoutes: RoutePlugin<RouteOptions> = authenticated<RouteOptions>((app, opts) => {
  app.post(
    '/password/change',
    { schema: ChangePasswordSchema, preHandler: opts.liveSession },
    async (request, reply) => {
      const caller = callerOf(request)
      await opts.accounts.changePassword(caller.sub, caller.sid, request.body, requestContext(request))
      return reply.code(204).send(null)
    },
  )
  return Promise.resolve()
})
