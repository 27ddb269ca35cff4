/**
 * The escrow of one milestone, as the payment service keeps it:
 *
 * ```
 *            payment_intent.succeeded                 MilestoneApproved / dispute: release
 *   pending ──────────────────────────▶ funded ─────────────────────────────────────────▶ released
 *      │                                  │   ContractCancelled / dispute: refund
 *      │ payment_intent.payment_failed    ├────────────────────────────────────────────▶ refunded
 *      ▼                                  │   dispute: split
 *   failed  (the hirer may fund again:    └────────────────────────────────────────────▶ split
 *            a new attempt)
 * ```
 *
 * The status is a projection of the ledger: `funded` follows the `fund:<escrowId>` transfer, the
 * three settled statuses follow the one `settle:<escrowId>` transfer (ledger.ts). The money rule
 * never reads the status — the transfer ids and balance limits hold it — so a status that lags
 * its transfer (a crash between the two writes) is repaired on the next delivery and never moves
 * money twice.
 *
 * Each funding attempt of a milestone is its own escrow, `esc_<milestoneId>_<n>`: a new attempt
 * only after every earlier one failed, and the id's unique insert is the commit point (two
 * concurrent fund requests for one milestone: one wins, the other gets a 409).
 *
 * Pure: no I/O.
 */
import { MilestoneAlreadyFunded } from '../errors.js'

/** Every status an escrow may have. */
export const ESCROW_STATUSES = ['pending', 'funded', 'failed', 'released', 'refunded', 'split'] as const
/** An escrow's status. */
export type EscrowStatus = (typeof ESCROW_STATUSES)[number]

/** The settled statuses, by the kind of the `settle:` transfer that made them. */
export const SETTLED_STATUS = { release: 'released', refund: 'refunded', split: 'split' } as const

/** The id of attempt `n` (1, 2, …) to fund `milestoneId`. */
export function escrowId(milestoneId: string, attempt: number): string {
  return `esc_${milestoneId}_${attempt}`
}

/** What the next funding attempt needs to know about the earlier ones. */
export interface AttemptFacts {
  _id: string
  attempt: number
  status: EscrowStatus
}

/**
 * The attempt number of a new funding of a milestone with `earlier` attempts.
 *
 * @throws MilestoneAlreadyFunded (409) when an earlier attempt is pending, funded or settled
 */
export function nextAttempt(earlier: readonly AttemptFacts[]): number {
  let last = 0
  for (const e of earlier) {
    if (e.status !== 'failed') throw new MilestoneAlreadyFunded(e._id, e.status)
    last = Math.max(last, e.attempt)
  }
  return last + 1
}

/** True when the escrow's money is held (funded, not settled). */
export function isHeld(status: EscrowStatus): boolean {
  return status === 'funded'
}
