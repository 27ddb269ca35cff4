/**
 * How a dispute's outcome divides a milestone's escrow (admin `POST
 * /api/payments/disputes/:id/resolve`):
 *
 * - `release` — all of it to the worker (the platform fee applies, as on any release);
 * - `refund` — all of it back to the hirer's card (no fee);
 * - `split` — `workerAmountMinor` to the worker (the fee applies to that part only), the rest back
 *   to the hirer; both parts must be at least one minor unit.
 *
 * Pure: no I/O.
 */
import { money, type Money } from '@kelmah/contracts'
import { InvalidSplit, withFields } from '../errors.js'

/** A dispute's outcome. */
export type DisputeOutcome = 'release' | 'refund' | 'split'

/** The escrow divided: what goes to the worker (before the fee) and what is refunded. */
export interface Resolution {
  outcome: DisputeOutcome
  workerGross: Money
  refund: Money
}

/**
 * Divide `escrow` by `outcome`.
 *
 * @param workerAmountMinor - required for `split` (1 ≤ it < escrow), refused otherwise
 * @throws InvalidSplit (400, field `workerAmountMinor`) when a split's amount is missing or not
 *   inside (0, escrow), or an amount is given for another outcome
 */
export function resolveAmounts(
  escrow: Money,
  outcome: DisputeOutcome,
  workerAmountMinor?: number,
): Resolution {
  const zero = money(0, escrow.currency)
  if (outcome !== 'split') {
    if (workerAmountMinor !== undefined) {
      throw withFields(new InvalidSplit('workerAmountMinor is only for outcome "split"'), [
        { field: 'workerAmountMinor', message: 'only with outcome "split"' },
      ])
    }
    return outcome === 'release'
      ? { outcome, workerGross: escrow, refund: zero }
      : { outcome, workerGross: zero, refund: escrow }
  }
  if (
    workerAmountMinor === undefined ||
    !Number.isSafeInteger(workerAmountMinor) ||
    workerAmountMinor <= 0 ||
    workerAmountMinor >= escrow.amountMinor
  ) {
    throw withFields(
      new InvalidSplit(`the worker's part must be a whole number between 1 and ${escrow.amountMinor - 1}`),
      [{ field: 'workerAmountMinor', message: `must be between 1 and ${escrow.amountMinor - 1}` }],
    )
  }
  return {
    outcome,
    workerGross: money(workerAmountMinor, escrow.currency),
    refund: money(escrow.amountMinor - workerAmountMinor, escrow.currency),
  }
}
