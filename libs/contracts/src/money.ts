/**
 * Money, once for every service and event: integer minor units of a currency from an allow-list,
 * never floats, never beyond a per-currency ceiling (docs/conventions.md, Money).
 *
 * - **Currencies**: {@link CURRENCIES}, each with its minor-unit exponent (ISO 4217) and its
 *   ceiling. A code outside the list is refused at the edge (the JSON Schema's enum) and in the
 *   domain ({@link money}).
 * - **Ceiling**: the largest amount Stripe accepts in one charge — eight digits of minor units
 *   (99,999,999: 999,999.99 in two-decimal currencies, 99,999,999 in zero-decimal ones). A
 *   milestone, bid or budget above it could never be funded, and a bound far below 2^53 keeps
 *   every sum of a few thousand amounts exact in IEEE doubles.
 * - **Positive or not**: amounts people type (budgets, bids, milestones, payouts) are
 *   {@link PositiveMoney} (≥ 1 minor unit); computed amounts (fees, balances) are {@link Money}
 *   (≥ 0).
 *
 * Pure: no I/O. Errors are {@link MoneyError}s with a stable `reason`; routes turn them into 400
 * problems naming the field.
 */
import Type, { type Static } from 'typebox'

/** A currency Kelmah handles: ISO 4217 minor-unit exponent and the per-amount ceiling (minor units). */
export interface CurrencyRule {
  /** Digits after the decimal point (2 for USD: 1 USD = 100 minor units; 0 for JPY). */
  exponent: number
  /** The largest single amount, in minor units (inclusive). */
  ceilingMinor: number
}

/** Stripe's largest single charge: eight digits of minor units. */
const STRIPE_MAX_CHARGE_MINOR = 99_999_999

/** The currency allow-list, by ISO 4217 code. */
export const CURRENCIES = {
  USD: { exponent: 2, ceilingMinor: STRIPE_MAX_CHARGE_MINOR },
  EUR: { exponent: 2, ceilingMinor: STRIPE_MAX_CHARGE_MINOR },
  GBP: { exponent: 2, ceilingMinor: STRIPE_MAX_CHARGE_MINOR },
  CAD: { exponent: 2, ceilingMinor: STRIPE_MAX_CHARGE_MINOR },
  AUD: { exponent: 2, ceilingMinor: STRIPE_MAX_CHARGE_MINOR },
  GHS: { exponent: 2, ceilingMinor: STRIPE_MAX_CHARGE_MINOR },
  NGN: { exponent: 2, ceilingMinor: STRIPE_MAX_CHARGE_MINOR },
  KES: { exponent: 2, ceilingMinor: STRIPE_MAX_CHARGE_MINOR },
  ZAR: { exponent: 2, ceilingMinor: STRIPE_MAX_CHARGE_MINOR },
  INR: { exponent: 2, ceilingMinor: STRIPE_MAX_CHARGE_MINOR },
  BRL: { exponent: 2, ceilingMinor: STRIPE_MAX_CHARGE_MINOR },
  PHP: { exponent: 2, ceilingMinor: STRIPE_MAX_CHARGE_MINOR },
  JPY: { exponent: 0, ceilingMinor: STRIPE_MAX_CHARGE_MINOR },
} as const satisfies Record<string, CurrencyRule>

/** An allowed currency code. */
export type CurrencyCode = keyof typeof CURRENCIES

/** The largest ceiling of any currency (the JSON Schema bound; {@link money} checks the currency's own). */
export const MONEY_CEILING_MINOR = Math.max(...Object.values(CURRENCIES).map((c) => c.ceilingMinor))

/** True when `code` is on the allow-list. */
export function isCurrency(code: string): code is CurrencyCode {
  return Object.hasOwn(CURRENCIES, code)
}

/**
 * ISO 4217 currency code from the allow-list. Typed as `string` (documents and events hold the
 * code as a string); the schema's `enum` refuses any other code.
 */
export const Currency = Type.String({
  enum: Object.keys(CURRENCIES),
  description: `ISO 4217 code, one of ${Object.keys(CURRENCIES).join(', ')}`,
})

/** Money: integer minor units (0 to the ceiling) plus an allowed currency. */
export const Money = Type.Object(
  {
    amountMinor: Type.Integer({ minimum: 0, maximum: MONEY_CEILING_MINOR }),
    currency: Currency,
  },
  { additionalProperties: false },
)
export type Money = Static<typeof Money>

/** Money someone asks for or pays: at least one minor unit, at most the ceiling. */
export const PositiveMoney = Type.Object(
  {
    amountMinor: Type.Integer({ minimum: 1, maximum: MONEY_CEILING_MINOR }),
    currency: Currency,
  },
  { additionalProperties: false },
)

/** Why a money operation was refused; `reason` is stable for callers to branch on. */
export class MoneyError extends Error {
  override name = 'MoneyError'
  readonly reason: 'not_integer' | 'negative' | 'zero' | 'ceiling' | 'currency' | 'currency_mismatch'
  constructor(reason: MoneyError['reason'], message: string) {
    super(message)
    this.reason = reason
  }
}

/**
 * A checked Money value (zero allowed: a fee, a balance).
 *
 * @throws MoneyError when `amountMinor` is not a whole number (`not_integer`), is negative
 *   (`negative`), or exceeds the currency's ceiling (`ceiling`), or `currency` is not on the
 *   allow-list (`currency`)
 */
export function money(amountMinor: number, currency: string): Money {
  if (!isCurrency(currency)) {
    throw new MoneyError('currency', `${currency} is not one of ${Object.keys(CURRENCIES).join(', ')}`)
  }
  if (!Number.isInteger(amountMinor)) {
    throw new MoneyError('not_integer', `${amountMinor} is not a whole number of minor units`)
  }
  if (amountMinor < 0) throw new MoneyError('negative', `${amountMinor} is negative`)
  const ceiling = CURRENCIES[currency].ceilingMinor
  if (amountMinor > ceiling) {
    throw new MoneyError(
      'ceiling',
      `${amountMinor} is above the ${currency} ceiling of ${ceiling} minor units`,
    )
  }
  return { amountMinor, currency }
}

/**
 * A checked amount someone asks for or pays: as {@link money}, and at least one minor unit.
 *
 * @throws MoneyError as {@link money}, or `zero` for 0
 */
export function positiveMoney(amountMinor: number, currency: string): Money {
  const m = money(amountMinor, currency)
  if (m.amountMinor === 0) throw new MoneyError('zero', 'the amount must be at least one minor unit')
  return m
}

/**
 * `a + b`, same currency only. The sum is an exact integer below 2^53, but may exceed the
 * per-amount ceiling (a contract's total, a balance): check it with {@link money} where one
 * amount is meant.
 *
 * @throws MoneyError on a currency mismatch, or a sum beyond `Number.MAX_SAFE_INTEGER`
 */
export function addMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) {
    throw new MoneyError('currency_mismatch', `cannot add ${b.currency} to ${a.currency}`)
  }
  const sum = a.amountMinor + b.amountMinor
  if (!Number.isSafeInteger(sum)) throw new MoneyError('ceiling', 'the sum is too large to count exactly')
  return { amountMinor: sum, currency: a.currency }
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
