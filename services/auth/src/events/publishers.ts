/**
 * The events the auth service produces (DESIGN §4). Each is built here and written into the
 * User document's outbox in the same write as the change it reports; the outbox relay publishes
 * it after the write.
 */
import { createEvent, type EventOf } from '@kelmah/contracts'
import type { Role } from '../models/user.js'

/** Where an event comes from: the request id becomes its `correlationId`. */
export interface EventContext {
  correlationId?: string
}

const opts = (ctx: EventContext) => ({ producer: 'auth' as const, ...(ctx.correlationId ? { correlationId: ctx.correlationId } : {}) })

/** `UserRegistered`: an account was created (self-registration or the admin CLI). */
export function userRegistered(user: { id: string; email: string; name: string; role: Role }, ctx: EventContext): EventOf<'UserRegistered'> {
  return createEvent('UserRegistered', { userId: user.id, email: user.email, name: user.name, role: user.role }, opts(ctx))
}

/** `EmailVerified`: the account's owner proved they read mail at this address. */
export function emailVerified(user: { id: string; email: string }, ctx: EventContext): EventOf<'EmailVerified'> {
  return createEvent('EmailVerified', { userId: user.id, email: user.email }, opts(ctx))
}

/** `PasswordChanged`: by the user (`change`) or through a mailed code (`reset`). */
export function passwordChanged(userId: string, reason: 'change' | 'reset', ctx: EventContext): EventOf<'PasswordChanged'> {
  return createEvent('PasswordChanged', { userId, reason }, opts(ctx))
}
