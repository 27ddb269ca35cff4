/**
 * Suspension of a profile by auth's `UserSuspended` / `UserReinstated` (an admin's decision):
 * which event wins, and what a suspended profile may be seen in. Pure, unit-tested.
 *
 * Order: each applied event stamps the profile with its `occurredAt` (`suspensionAt`); an event
 * whose time is not later than the stamp is stale and changes nothing. So a redelivery (same
 * time) or a `UserSuspended` arriving after a later `UserReinstated` (and vice versa) cannot
 * leave the wrong state: the latest decision wins whatever the order of arrival. Auth's outbox
 * orders a user's events already; this is the belt to those braces.
 */

/** The suspension state a profile carries (missing fields count as never suspended). */
export interface SuspensionState {
  suspended?: boolean | null
  /** `occurredAt` of the last applied `UserSuspended`/`UserReinstated`; null = none yet. */
  suspensionAt?: Date | null
  deactivated?: boolean | null
  skills?: readonly string[] | null
}

/** What applying one suspension event does. */
export interface SuspensionChange {
  set: { suspended: boolean; suspensionAt: Date }
  /**
   * The skills catalogue's usage counts to move, as the skills listed before and after
   * (`SkillsCatalogue.applyChange`): the profile's skills leave the counts when it stops being
   * listed and come back when it is listed again (`null` when the listing does not change — same
   * state, or a deactivated profile, whose skills left the counts for good).
   */
  catalogue: { before: readonly string[]; after: readonly string[] } | null
}

/**
 * Apply `UserSuspended` (`suspended: true`) or `UserReinstated` (`false`) that occurred at `at`.
 *
 * @returns the change, or undefined when the event is stale (not later than the last applied one)
 */
export function suspensionChange(
  current: SuspensionState,
  suspended: boolean,
  at: Date,
): SuspensionChange | undefined {
  const last = current.suspensionAt ? new Date(current.suspensionAt).getTime() : null
  if (last !== null && at.getTime() <= last) return undefined
  const was = Boolean(current.suspended)
  const moves = was !== suspended && !current.deactivated
  const skills = current.skills ?? []
  return {
    set: { suspended, suspensionAt: at },
    catalogue: moves ? (suspended ? { before: skills, after: [] } : { before: [], after: skills }) : null,
  }
}

/** Who reads a profile by id: its owner, an admin, or anyone else signed in. */
export interface ProfileViewer {
  sub: string
  role: 'hirer' | 'worker' | 'admin'
}

/**
 * Whether `viewer` may read the profile of `userId` by id. Deactivated: nobody (the account is
 * gone). Suspended: its owner and admins only — to everyone else it does not exist (404), like
 * in search, so a suspended account's page, links and cached ids lead nowhere until reinstated.
 */
export function canSeeProfile(
  profile: { _id: string; deactivated?: boolean | null; suspended?: boolean | null },
  viewer: ProfileViewer,
): boolean {
  if (profile.deactivated) return false
  if (!profile.suspended) return true
  return viewer.sub === profile._id || viewer.role === 'admin'
}
