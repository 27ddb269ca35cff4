/** `POST /otp/verify`, `POST /otp/resend`: email verification. Public. */
import type { RoutePlugin } from '@kelmah/service-kit'
import { ResendOtpSchema, VerifyOtpSchema } from '../schemas/otp.js'
import { requestContext, type RouteOptions } from './context.js'

/** Email-verification routes. */
export const otpRoutes: RoutePlugin<RouteOptions> = (app, opts) => {
  app.post('/otp/verify', { schema: VerifyOtpSchema }, async (request) => {
    return { user: await opts.accounts.verifyEmail(request.body, requestContext(request)) }
  })

  app.post('/otp/resend', { schema: ResendOtpSchema }, async (request, reply) => {
    await opts.accounts.resendVerification(request.body)
    return reply
      .code(202)
      .send({ message: 'If this address has an unverified account, a new code is on its way.' })
  })
  return Promise.resolve()
}
