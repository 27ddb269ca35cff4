/**
 * The auth service's error catalogue (docs/conventions.md, Errors). Codes are prefixed
 * `AUTH_ERR_`; messages name the fix. Rendered as RFC 9457 problem details by service-kit;
 * errors carrying field errors (`withFields`) also list the offending fields in `errors[]`.
 */
import createError from '@fastify/error'

/** Field errors and Retry-After are rendered by service-kit's shared problem handler. */
export { withFields, type FieldError } from '@kelmah/service-kit'

/** Registration with an email that already has an account. 409. */
export const EmailTaken = createError(
  'AUTH_ERR_EMAIL_TAKEN',
  'An account with this email already exists; sign in, or reset the password',
  409,
)
/** A new password breaks the policy; the message names the rule. 400. */
export const WeakPassword = createError('AUTH_ERR_WEAK_PASSWORD', 'The password %s', 400)
/** Login with an unknown email or a wrong password (deliberately the same). 401. */
export const BadCredentials = createError('AUTH_ERR_BAD_CREDENTIALS', 'The email or password is wrong', 401)
/** Too many failed logins for this email; `Retry-After` says when to try again. 423. */
export const AccountLocked = createError(
  'AUTH_ERR_ACCOUNT_LOCKED',
  'Too many failed sign-ins; try again in %d seconds',
  423,
)
/** A one-time code that is wrong, used, or was never sent. 400. */
export const OtpInvalid = createError('AUTH_ERR_OTP_INVALID', 'The code is wrong%s', 400)
/** A one-time code past its lifetime. 400. */
export const OtpExpired = createError('AUTH_ERR_OTP_EXPIRED', 'The code has expired; ask for a new one', 400)
/** A one-time code killed by too many wrong guesses. 400. */
export const OtpExhausted = createError(
  'AUTH_ERR_OTP_EXHAUSTED',
  'Too many wrong codes; this code no longer works, ask for a new one',
  400,
)
/** A code was mailed to this address moments ago; `Retry-After` says when to ask again. 429. */
export const OtpCooldown = createError(
  'AUTH_ERR_OTP_COOLDOWN',
  'A code was sent recently; wait %d seconds before asking for another',
  429,
)
/** A refresh token that is unknown, expired or revoked. 401. */
export const RefreshInvalid = createError(
  'AUTH_ERR_REFRESH_INVALID',
  'The refresh token is invalid or expired; sign in again',
  401,
)
/** A refresh token that was already rotated: its whole family is now revoked. 401. */
export const RefreshReused = createError(
  'AUTH_ERR_REFRESH_REUSED',
  'This refresh token was already used, so every session it belongs to has been revoked; sign in again',
  401,
)
/** The access token's session was logged out or revoked. 401. */
export const SessionEnded = createError(
  'AUTH_ERR_SESSION_ENDED',
  'This session has ended; sign in again',
  401,
)
/** Password change with a wrong current password. 400. */
export const WrongPassword = createError('AUTH_ERR_WRONG_PASSWORD', 'The current password is wrong', 400)
/** The token's user no longer exists. 404. */
export const UserNotFound = createError('AUTH_ERR_USER_NOT_FOUND', 'This account no longer exists', 404)
