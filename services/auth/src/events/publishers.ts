/**
 * The events the auth service produces (docs/architecture.md, Events). Each is built here and
 * written into the User document's outbox in the same write as the change it reports (through
 * the user store); the outbox relay publishes it after the write.
 */
import { createEvent, type EventContext, type EventOf } from '@kelmah/contracts'
import type { Role } from '../models/user.js'

/** `UserRegistered`: an account was created (self-registration or the admin CLI). */
export function userRegistered(
  user: { id: string; email: string; name: string; role: Role },
  ctx: EventContext,
): EventOf<'UserRegistered'> {
  return createEvent(
    'UserRegistered',
    { userId: user.id, email: user.email, name: user.name, role: user.role },
    ctx,
  )
}

/** `EmailVerified`: the account's owner proved they read mail at this address. */
export function emailVerified(
  user: { id: string; email: string },
  ctx: EventContext,
): EventOf<'EmailVerified'> {
  return createEvent('EmailVerified', { userId: user.id, email: user.email }, ctx)
}

/** `PasswordChanged`: by the user (`change`) or through a mailed code (`reset`). */
export function passwordChanged(
  userId: string,
  reason: 'change' | 'reset',
  ctx: EventContext,
): EventOf<'PasswordChanged'> {
  return createEvent('PasswordChanged', { userId, reason }, ctx)
}

/** `UserSuspended`: an admin suspended the account (the reason stays in the audit log). */
export function userSuspended(userId: string, ctx: EventContext): EventOf<'UserSuspended'> {
  return createEvent('UserSuspended', { userId }, ctx)
}

/** `UserReinstated`: an admin lifted the suspension. */
export function userReinstated(userId: string, ctx: EventContext): EventOf<'UserReinstated'> {
  return createEvent('UserReinstated', { userId }, ctx)
}
