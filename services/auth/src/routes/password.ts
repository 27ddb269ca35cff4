/** `POST /password/forgot`, `/password/reset`, `/password/change`. */
import type { KelmahApp } from '@kelmah/service-kit'
import { ChangePasswordSchema, ForgotPasswordSchema, ResetPasswordSchema } from '../schemas/password.js'
import { requestContext, userOf, type RouteOptions } from './context.js'

/** Password routes. */
export async function passwordRoutes(app: KelmahApp, opts: RouteOptions): Promise<void> {
  app.post('/password/forgot', { schema: ForgotPasswordSchema }, async (request, reply) => {
    await opts.accounts.forgotPassword(request.body)
    return reply.code(202).send({ message: 'If this address has an account, a reset code is on its way.' })
  })

  app.post('/password/reset', { schema: ResetPasswordSchema }, async (request, reply) => {
    await opts.accounts.resetPassword(request.body, requestContext(request))
    return reply.code(204).send(null)
  })

  app.post('/password/change', { schema: ChangePasswordSchema, preHandler: [app.authenticate, opts.liveSession] }, async (request, reply) => {
    const user = userOf(request)
    await opts.accounts.changePassword(user.sub, user.sid, request.body, requestContext(request))
    return reply.code(204).send(null)
  })
}
