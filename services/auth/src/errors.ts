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
/**
 * Too many failed sign-ins for this email from this source, or the account is being slowed after
 * failures from many sources (domain/lockout.ts); `Retry-After` says when to try again. Never a
 * lock: the right password from elsewhere still works. 429.
 */
export const LoginThrottled = createError(
  'AUTH_ERR_LOGIN_THROTTLED',
  'Too many failed sign-ins; try again in %d seconds',
  429,
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
/** Sign-in or refresh of a suspended account (an admin's decision; support can lift it). 403. */
export const AccountSuspended = createError(
  'AUTH_ERR_ACCOUNT_SUSPENDED',
  'This account is suspended; contact support',
  403,
)
/** Suspending an account that is already suspended. 409. */
export const AlreadySuspended = createError(
  'AUTH_ERR_ALREADY_SUSPENDED',
  'This account is already suspended; reinstate it first to suspend it again',
  409,
)
/** Reinstating an account that is not suspended. 409. */
export const NotSuspended = createError('AUTH_ERR_NOT_SUSPENDED', 'This account is not suspended', 409)
/** An admin suspending their own account (it would lock them out of the admin surface). 409. */
export const SelfSuspension = createError(
  'AUTH_ERR_SELF_SUSPENSION',
  'Admins cannot suspend their own account; ask another admin',
  409,
)
