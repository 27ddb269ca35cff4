/** Schemas of the password routes. */
import Type, { type Static } from 'typebox'
import { AcceptedSchema, bearer, Email, OtpCode, Password } from './user.js'

/** `POST /password/forgot` body. */
export const ForgotPasswordBody = Type.Object({ email: Email })
export type ForgotPasswordBody = Static<typeof ForgotPasswordBody>

/** `POST /password/reset` body. */
export const ResetPasswordBody = Type.Object({ email: Email, code: OtpCode, newPassword: Password })
export type ResetPasswordBody = Static<typeof ResetPasswordBody>

/** `POST /password/change` body. */
export const ChangePasswordBody = Type.Object({ currentPassword: Password, newPassword: Password })
export type ChangePasswordBody = Static<typeof ChangePasswordBody>

/** Route schema of `POST /password/forgot`. */
export const ForgotPasswordSchema = {
  summary: 'Mail a password-reset code (202 whether or not the account exists)',
  tags: ['auth'],
  body: ForgotPasswordBody,
  response: { 202: AcceptedSchema },
}

/** Route schema of `POST /password/reset`. */
export const ResetPasswordSchema = {
  summary: 'Set a new password with the mailed code; ends every session',
  tags: ['auth'],
  body: ResetPasswordBody,
  response: { 204: Type.Null() },
}

/** Route schema of `POST /password/change`. */
export const ChangePasswordSchema = {
  summary: 'Change the password; ends every other session',
  tags: ['auth'],
  security: bearer,
  body: ChangePasswordBody,
  response: { 204: Type.Null() },
}
