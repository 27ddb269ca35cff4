/**
 * The platform fee (docs/conventions.md, Money): `PLATFORM_FEE_BPS` basis points of a released
 * amount, in integer minor units.
 *
 * Rounding rule: the fee is rounded DOWN to a whole minor unit — `floor(amount × bps / 10 000)` —
 * so any fraction of a minor unit stays with the worker, and fee + payout always equals the
 * amount exactly. Amounts are bounded by the currency ceiling (`@kelmah/contracts` money.ts,
 * at most 99,999,999) and bps by 10 000, so the product stays below 2^53 and the division is exact
 * integer arithmetic on doubles.
 *
 * Pure: no I/O.
 */
import { MoneyError, money, type Money } from '@kelmah/contracts'

/** Basis points in one whole (10 000 bps = 100 %). */
export const BPS_PER_WHOLE = 10_000

/** A released amount split into what the worker gets and what the platform keeps. */
export interface FeeSplit {
  /** To the worker's wallet: `amount − fee`. */
  net: Money
  /** To the platform's revenue account. */
  fee: Money
}

/**
 * The fee on `amount` at `bps` basis points, rounded down (module header).
 *
 * @param amount - the released amount (≥ 0, within the currency ceiling)
 * @param bps - basis points, an integer 0–10 000
 * @throws RangeError when `bps` is not an integer in 0–10 000; MoneyError when `amount` is not a
 *   checked Money value
 */
export function platformFee(amount: Money, bps: number): Money {
  if (!Number.isInteger(bps) || bps < 0 || bps > BPS_PER_WHOLE) {
    throw new RangeError(`a fee of ${bps} bps is not an integer between 0 and ${BPS_PER_WHOLE}`)
  }
  const checked = money(amount.amountMinor, amount.currency)
  return money(Math.floor((checked.amountMinor * bps) / BPS_PER_WHOLE), checked.currency)
}

/**
 * Split a released amount into the worker's net and the platform's fee; `net + fee = amount`.
 *
 * @throws as {@link platformFee}
 */
export function splitFee(amount: Money, bps: number): FeeSplit {
  const fee = platformFee(amount, bps)
  const net = amount.amountMinor - fee.amountMinor
  if (net < 0) throw new MoneyError('negative', 'the fee exceeds the amount')
  return { net: money(net, amount.currency), fee }
}
