/**
 * The application (proposal) state machine:
 *
 * ```
 * pending ──▶ shortlisted ──▶ accepted
 *    │  ╲          │  ╲
 *    │   ╲         │   ╲──▶ rejected   (by the hirer, or the job filled/closed/cancelled)
 *    │    ╲──▶ accepted
 *    ▼         ▼
 *  rejected / withdrawn (by the worker)
 * ```
 *
 * A pending application may be accepted directly (the hirer need not shortlist first).
 * `accepted`, `rejected` and `withdrawn` are final.
 */
import type { DomainEvent } from '@kelmah/contracts'
import type { Decision } from '@kelmah/service-kit'
import { IllegalApplicationTransition } from '../errors.js'

/** Every status an application may have. */
export const APPLICATION_STATUSES = ['pending', 'shortlisted', 'accepted', 'rejected', 'withdrawn'] as const

/** An application's status. */
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number]

/** Legal moves: `from → [to…]`. */
export const APPLICATION_TRANSITIONS: Readonly<Record<ApplicationStatus, readonly ApplicationStatus[]>> = {
  pending: ['shortlisted', 'accepted', 'rejected', 'withdrawn'],
  shortlisted: ['accepted', 'rejected', 'withdrawn'],
  accepted: [],
  rejected: [],
  withdrawn: [],
}

/** Statuses of applications still in play (the hirer may act on them, the worker may withdraw). */
export const ACTIVE_APPLICATION_STATUSES: readonly ApplicationStatus[] = ['pending', 'shortlisted']

/** True when an application may move from `from` to `to`. */
export function canTransition(from: ApplicationStatus, to: ApplicationStatus): boolean {
  return APPLICATION_TRANSITIONS[from].includes(to)
}

/**
 * Check a move.
 *
 * @throws IllegalApplicationTransition (409, `JOB_ERR_APPLICATION_ILLEGAL_TRANSITION`) naming both states
 */
export function assertApplicationTransition(from: ApplicationStatus, to: ApplicationStatus): void {
  if (!canTransition(from, to)) throw new IllegalApplicationTransition(from, to)
}

/**
 * The decision moving an application from its current status to `to`, with any other fields to
 * set and the events the move causes.
 *
 * @throws IllegalApplicationTransition (409) when the state machine forbids the move
 */
export function moveApplication(
  current: { status: ApplicationStatus },
  to: ApplicationStatus,
  set: Record<string, unknown> = {},
  events: readonly DomainEvent[] = [],
): Decision {
  assertApplicationTransition(current.status, to)
  return { set: { status: to, ...set }, events }
}

/**
 * The decision of a follow-up that moves an application only while it is still pending or
 * shortlisted (accepting it for a contract, rejecting it because the job filled or closed), or
 * null when it moved on meanwhile (withdrawn, rejected, accepted): such follow-ups never fail.
 */
export function moveIfActive(
  current: { status: ApplicationStatus },
  to: 'accepted' | 'rejected',
  set: Record<string, unknown>,
  events: readonly DomainEvent[],
): Decision | null {
  if (!ACTIVE_APPLICATION_STATUSES.includes(current.status)) return null
  return moveApplication(current, to, set, events)
}
