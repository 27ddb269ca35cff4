/**
 * Decisions on the User aggregate: what a registration stores, and which fields and events a
 * verified email, a password reset or change and a new one-time code make. Pure functions of the
 * current document; `services/accounts.ts` loads, asks these, and stores through the user store
 * (docs/conventions.md, Use cases).
 */
import type { EventContext } from '@kelmah/contracts'
import { Conflict, type Decision } from '@kelmah/service-kit'
import type { Types } from 'mongoose'
import { OtpInvalid } from '../errors.js'
import { emailVerified, passwordChanged, userRegistered } from '../events/publishers.js'
import type { OtpRecord, Role, UserDoc } from '../models/user.js'
import type { OtpPurpose } from './otp.js'

/** A new account, its credentials already hashed and its email normalised. */
export interface Registration {
  _id: Types.ObjectId
  email: string
  name: string
  role: Role
  passwordHash: string
  emailVerified: boolean
  /** The first verification code, stored in the same insert. */
  verifyCode?: OtpRecord | undefined
}

/** A user document before its first write (the store adds the outbox). */
export type NewUserDoc = Omit<UserDoc, 'outbox'>

/** The document and the `UserRegistered` event of a registration at `now`. */
export function register(
  input: Registration,
  now: Date,
  ctx: EventContext,
): { doc: NewUserDoc; events: [ReturnType<typeof userRegistered>] } {
  const { verifyCode, ...fields } = input
  const doc: NewUserDoc = {
    ...fields,
    emailVerifiedAt: input.emailVerified ? now : null,
    ...(verifyCode ? { otp: { verify: verifyCode } } : {}),
    version: 0,
    createdAt: now,
    updatedAt: now,
  }
  const event = userRegistered(
    { id: String(input._id), email: input.email, name: input.name, role: input.role },
    ctx,
  )
  return { doc, events: [event] }
}

/**
 * The outstanding code of `purpose` is still the one whose hash was redeemed.
 *
 * @throws OtpInvalid (400) when it was replaced or removed meanwhile (a resend, another redeemer)
 */
function assertCode(current: Pick<UserDoc, 'otp'>, purpose: OtpPurpose, redeemedHash: string): void {
  if (current.otp?.[purpose]?.hash !== redeemedHash) throw new OtpInvalid('')
}

/**
 * Mark the email verified with the redeemed verification code (removed in the same write);
 * causes `EmailVerified`.
 *
 * @throws OtpInvalid (400) when the code is no longer the outstanding one
 */
export function verifyEmail(current: UserDoc, redeemedHash: string, now: Date, ctx: EventContext): Decision {
  assertCode(current, 'verify', redeemedHash)
  return {
    set: { emailVerified: true, emailVerifiedAt: now },
    unset: ['otp.verify'],
    events: [emailVerified({ id: String(current._id), email: current.email }, ctx)],
  }
}

/**
 * Set the password hashed as `passwordHash` with the redeemed reset code (removed in the same
 * write); causes `PasswordChanged` (reason `reset`).
 *
 * @throws OtpInvalid (400) when the code is no longer the outstanding one
 */
export function resetPassword(
  current: UserDoc,
  change: { redeemedHash: string; passwordHash: string },
  now: Date,
  ctx: EventContext,
): Decision {
  assertCode(current, 'reset', change.redeemedHash)
  return {
    set: { passwordHash: change.passwordHash, passwordChangedAt: now },
    unset: ['otp.reset'],
    events: [passwordChanged(String(current._id), 'reset', ctx)],
  }
}

/**
 * Replace the password the caller proved to know (`knownHash`) by `passwordHash`; causes
 * `PasswordChanged` (reason `change`).
 *
 * @throws Conflict (409) when the stored password is no longer the one the caller proved
 */
export function changePassword(
  current: UserDoc,
  change: { knownHash: string; passwordHash: string },
  now: Date,
  ctx: EventContext,
): Decision {
  if (current.passwordHash !== change.knownHash)
    throw new Conflict('the password was changed at the same time by another request; sign in again')
  return {
    set: { passwordHash: change.passwordHash, passwordChangedAt: now },
    events: [passwordChanged(String(current._id), 'change', ctx)],
  }
}

/** Store `record` as the outstanding code of `purpose` (the previous one stops working). */
export function issueCode(purpose: OtpPurpose, record: OtpRecord): Decision {
  return { set: { [`otp.${purpose}`]: record } }
}
