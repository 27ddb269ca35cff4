/** Schemas of the email-verification routes. */
import Type, { type Static } from 'typebox'
import { AcceptedSchema, Email, OtpCode, UserEnvelopeSchema } from './user.js'

/** `POST /otp/verify` body. */
export const VerifyOtpBody = Type.Object({ email: Email, code: OtpCode })
export type VerifyOtpBody = Static<typeof VerifyOtpBody>

/** `POST /otp/resend` body. */
export const ResendOtpBody = Type.Object({ email: Email })
export type ResendOtpBody = Static<typeof ResendOtpBody>

/** Route schema of `POST /otp/verify`. */
export const VerifyOtpSchema = {
  summary: 'Verify the email address with the mailed code',
  tags: ['auth'],
  body: VerifyOtpBody,
  response: { 200: UserEnvelopeSchema },
}

/** Route schema of `POST /otp/resend`. */
export const ResendOtpSchema = {
  summary: 'Mail a new verification code (202 whether or not the account exists)',
  tags: ['auth'],
  body: ResendOtpBody,
  response: { 202: AcceptedSchema },
}
