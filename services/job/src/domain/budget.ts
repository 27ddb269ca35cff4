/**
 * Budget rules. A job pays either a fixed price or an hourly rate within a range; amounts are
 * integer minor units of one currency from the allow-list, each at least one minor unit and at
 * most the currency's ceiling (`@kelmah/contracts` money: the most one Stripe charge can be).
 */
import { MoneyError, positiveMoney } from '@kelmah/contracts'
import { InvalidBudget, withFields, type FieldError } from '../errors.js'

/** A fixed-price budget. */
export interface FixedBudget {
  type: 'fixed'
  amountMinor: number
  currency: string
}

/** An hourly budget: the rate range the hirer will pay, per hour. */
export interface HourlyBudget {
  type: 'hourly'
  minMinor: number
  maxMinor: number
  currency: string
}

/** A job budget. */
export type Budget = FixedBudget | HourlyBudget

/**
 * Check a budget's rules: every amount is bounded money (the route schema checks the same at the
 * edge; this holds for any caller), and an hourly minimum does not exceed its maximum.
 *
 * @throws InvalidBudget (400) naming `budget.amountMinor`, `budget.minMinor` or `budget.maxMinor`
 *   (not a whole number, zero, negative or above the ceiling) or `budget.currency` (not on the
 *   allow-list); naming `budget.maxMinor` when an hourly minimum exceeds its maximum
 */
export function assertValidBudget(budget: Budget): void {
  const amounts: [string, number][] =
    budget.type === 'fixed'
      ? [['budget.amountMinor', budget.amountMinor]]
      : [
          ['budget.minMinor', budget.minMinor],
          ['budget.maxMinor', budget.maxMinor],
        ]
  const problems: FieldError[] = []
  for (const [field, amountMinor] of amounts) {
    try {
      positiveMoney(amountMinor, budget.currency)
    } catch (err) {
      if (!(err instanceof MoneyError)) throw err
      const name = err.reason === 'currency' ? 'budget.currency' : field
      if (!problems.some((p) => p.field === name))
        problems.push({ field: name, message: err.message, in: 'body' })
    }
  }
  const first = problems[0]
  if (first) throw withFields(new InvalidBudget(`${first.field} ${first.message}`), problems)
  if (budget.type === 'hourly' && budget.minMinor > budget.maxMinor) {
    throw withFields(new InvalidBudget('the hourly maximum is below the minimum'), [
      { field: 'budget.maxMinor', message: 'must be at least budget.minMinor', in: 'body' },
    ])
  }
}

/**
 * The range of money a budget spans, for filters and sorting: a fixed price is `[amount, amount]`,
 * an hourly budget `[min, max]` (per hour).
 */
export function budgetRange(budget: Budget): { low: number; high: number } {
  return budget.type === 'fixed'
    ? { low: budget.amountMinor, high: budget.amountMinor }
    : { low: budget.minMinor, high: budget.maxMinor }
}
