/** `POST /otp/verify`, `POST /otp/resend`: email verification. */
import type { KelmahApp } from '@kelmah/service-kit'
import { ResendOtpSchema, VerifyOtpSchema } from '../schemas/otp.js'
import { requestContext, type RouteOptions } from './context.js'

/** Email-verification routes. */
export async function otpRoutes(app: KelmahApp, opts: RouteOptions): Promise<void> {
  app.post('/otp/verify', { schema: VerifyOtpSchema }, async (request) => {
    return { user: await opts.accounts.verifyEmail(request.body, requestContext(request)) }
  })

  app.post('/otp/resend', { schema: ResendOtpSchema }, async (request, reply) => {
    await opts.accounts.resendVerification(request.body)
    return reply.code(202).send({ message: 'If this address has an unverified account, a new code is on its way.' })
  })
}
