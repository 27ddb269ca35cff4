/**
 * The job state machine — the ONE place that says which status changes are legal (docs/architecture.md, Services):
 *
 * ```
 * draft ──publish──▶ open ──first contract signed──▶ in_progress ──all contracts done──▶ completed
 *   │                 │ ▲                                 │
 *   │                 │ └──────── last contract cancelled ┘ (back to open while openings remain)
 *   ▼                 ▼                                   ▼
 * cancelled   closed | cancelled                      cancelled
 * ```
 *
 * `completed`, `cancelled` and `closed` are final. `closed` means "stopped taking applications by
 * the hirer" (a filled or abandoned search), `cancelled` means "the job is off".
 */
import type { DomainEvent } from '@kelmah/contracts'
import type { Decision } from '@kelmah/service-kit'
import { IllegalJobTransition } from '../errors.js'

/** Every status a job may have. */
export const JOB_STATUSES = ['draft', 'open', 'in_progress', 'completed', 'cancelled', 'closed'] as const

/** A job's status. */
export type JobStatus = (typeof JOB_STATUSES)[number]

/** Legal moves: `from → [to…]`. */
export const JOB_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  draft: ['open', 'cancelled'],
  open: ['in_progress', 'closed', 'cancelled'],
  in_progress: ['completed', 'cancelled', 'open'],
  completed: [],
  cancelled: [],
  closed: [],
}

/** Statuses from which no move is possible. */
export const FINAL_JOB_STATUSES: readonly JobStatus[] = JOB_STATUSES.filter(
  (s) => JOB_TRANSITIONS[s].length === 0,
)

/** True when a job may move from `from` to `to`. */
export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return JOB_TRANSITIONS[from].includes(to)
}

/**
 * Check a move.
 *
 * @throws IllegalJobTransition (409, `JOB_ERR_ILLEGAL_TRANSITION`) naming both states
 */
export function assertJobTransition(from: JobStatus, to: JobStatus): void {
  if (!canTransition(from, to)) throw new IllegalJobTransition(from, to)
}

/** True while the hirer may still edit the job's fields. */
export function isEditable(status: JobStatus): boolean {
  return status === 'draft' || status === 'open'
}

/**
 * The decision moving a job from its current status to `to`, with any other fields to set and
 * the events the move causes.
 *
 * @throws IllegalJobTransition (409) when the state machine forbids the move
 */
export function moveJob(
  current: { status: JobStatus },
  to: JobStatus,
  set: Record<string, unknown> = {},
  events: readonly DomainEvent[] = [],
): Decision {
  assertJobTransition(current.status, to)
  return { set: { status: to, ...set }, events }
}
