/**
 * Budget rules. A job pays either a fixed price or an hourly rate within a range; amounts are
 * integer minor units of one ISO 4217 currency.
 */
import { InvalidBudget, withFields } from '../errors.js'

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
 * Check a budget's internal rules (the route schema checks types and signs).
 *
 * @throws InvalidBudget (400 naming `budget.maxMinor`) when an hourly minimum exceeds its maximum
 */
export function assertValidBudget(budget: Budget): void {
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
