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
