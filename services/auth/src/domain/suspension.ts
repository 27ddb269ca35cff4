/**
 * Decisions on suspending and reinstating an account (issue 14, the admin surface). Pure
 * functions of the current user document; `services/admin.ts` loads, asks these, stores through
 * the user store, then records the audit entry and voids the user's tokens.
 *
 * A suspended account cannot sign in or refresh (`AUTH_ERR_ACCOUNT_SUSPENDED`); its access tokens
 * die through the revocation mark and its sockets close on the revocation notice.
 */
import type { EventContext } from '@kelmah/contracts'
import type { Decision } from '@kelmah/service-kit'
import { AlreadySuspended, NotSuspended, SelfSuspension } from '../errors.js'
import { userReinstated, userSuspended } from '../events/publishers.js'
import type { UserDoc } from '../models/user.js'

/** True while the account is suspended. */
export function isSuspended(user: Pick<UserDoc, 'suspension'>): boolean {
  return Boolean(user.suspension)
}

/**
 * Suspend `current` on `adminId`'s decision; causes `UserSuspended`.
 *
 * @throws SelfSuspension (409) for the admin's own account; AlreadySuspended (409)
 */
export function suspend(
  current: UserDoc,
  by: { adminId: string; reason: string },
  now: Date,
  ctx: EventContext,
): Decision {
  if (String(current._id) === by.adminId) throw new SelfSuspension()
  if (isSuspended(current)) throw new AlreadySuspended()
  return {
    set: { suspension: { at: now, by: by.adminId, reason: by.reason } },
    events: [userSuspended(String(current._id), ctx)],
  }
}

/**
 * Lift the suspension of `current`; causes `UserReinstated`. Tokens issued before the suspension
 * stay void (the mark only moves forward): the user signs in again.
 *
 * @throws NotSuspended (409)
 */
export function reinstate(current: UserDoc, ctx: EventContext): Decision {
  if (!isSuspended(current)) throw new NotSuspended()
  return { set: { suspension: null }, events: [userReinstated(String(current._id), ctx)] }
}
