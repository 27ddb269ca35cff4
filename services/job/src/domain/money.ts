/**
 * Money math for contracts and milestones (docs/conventions.md, Money): integer minor units plus an ISO 4217
 * currency, never floats. Every sum goes through {@link addMoney}, which refuses mixed
 * currencies and results beyond `Number.MAX_SAFE_INTEGER` (where integer arithmetic on doubles
 * stops being exact) instead of silently rounding.
 *
 * Pure: no I/O. Errors are {@link MoneyError}s; use cases turn them into 400s naming the field.
 */

/** An amount of money: integer minor units (cents, pesewas) and an ISO 4217 code (`GHS`). */
export interface Money {
  amountMinor: number
  currency: string
}

/** Why a money operation was refused; `reason` is stable for callers to branch on. */
export class MoneyError extends Error {
  override name = 'MoneyError'
  readonly reason: 'not_integer' | 'negative' | 'unsafe' | 'currency' | 'currency_mismatch'
  constructor(reason: MoneyError['reason'], message: string) {
    super(message)
    this.reason = reason
  }
}

const CURRENCY = /^[A-Z]{3}$/

/**
 * A checked Money value.
 *
 * @throws MoneyError when `amountMinor` is not a non-negative safe integer or `currency` is not
 *   three upper-case letters
 */
export function money(amountMinor: number, currency: string): Money {
  if (!Number.isInteger(amountMinor))
    throw new MoneyError('not_integer', `${amountMinor} is not a whole number of minor units`)
  if (amountMinor < 0) throw new MoneyError('negative', `${amountMinor} is negative`)
  if (!Number.isSafeInteger(amountMinor))
    throw new MoneyError('unsafe', `${amountMinor} is too large to count exactly`)
  if (!CURRENCY.test(currency)) throw new MoneyError('currency', `${currency} is not an ISO 4217 code`)
  return { amountMinor, currency }
}

/**
 * `a + b`, same currency only.
 *
 * @throws MoneyError on a currency mismatch or a sum beyond `Number.MAX_SAFE_INTEGER`
 */
export function addMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) {
    throw new MoneyError('currency_mismatch', `cannot add ${b.currency} to ${a.currency}`)
  }
  const sum = a.amountMinor + b.amountMinor
  if (!Number.isSafeInteger(sum)) throw new MoneyError('unsafe', 'the sum is too large to count exactly')
  return money(sum, a.currency)
}

/**
 * The sum of `items` in `currency` (zero for an empty list).
 *
 * @throws MoneyError when an item is in another currency, or the sum is not a safe integer
 */
export function sumMoney(items: readonly Money[], currency: string): Money {
  return items.reduce<Money>((total, item) => addMoney(total, item), money(0, currency))
}

/** True when both amounts and currencies are equal. */
export function moneyEquals(a: Money, b: Money): boolean {
  return a.amountMinor === b.amountMinor && a.currency === b.currency
}
