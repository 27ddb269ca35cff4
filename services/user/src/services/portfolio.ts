/**
 * The portfolio use cases (workers): add, change and delete an item of the caller's own
 * portfolio. Each is an edit of the caller's profile (`Profiles.edit`): the new `portfolio` is
 * decided by `src/domain/portfolio.ts`, stored with the version bump and the `ProfileUpdated`
 * event like every profile change.
 */
import { randomBytes } from 'node:crypto'
import type { EventContext } from '@kelmah/contracts'
import type { Caller, Clock } from '@kelmah/service-kit'
import {
  newPortfolioItem,
  withItemAdded,
  withItemChanged,
  withItemDeleted,
  type PortfolioInput,
} from '../domain/portfolio.js'
import type { PortfolioItemDoc } from '../models/profile.js'
import type { Profiles } from './profiles.js'

export { MAX_PORTFOLIO_ITEMS, type PortfolioInput } from '../domain/portfolio.js'

/** Collaborators of {@link Portfolio}. */
export interface PortfolioDeps {
  profiles: Profiles
  now: Clock
}

/** The portfolio use cases. */
export class Portfolio {
  readonly #d: PortfolioDeps

  constructor(deps: PortfolioDeps) {
    this.#d = deps
  }

  /**
   * Add a portfolio item (its id: 24 random hex characters).
   *
   * @throws PortfolioFull (409) at `MAX_PORTFOLIO_ITEMS`; ProfileDeactivated (403); EditConflict (409)
   */
  async add(
    caller: Caller,
    input: Required<Pick<PortfolioInput, 'title'>> & PortfolioInput,
    ctx: EventContext,
  ): Promise<PortfolioItemDoc> {
    const item = newPortfolioItem(randomBytes(12).toString('hex'), input, this.#d.now())
    const doc = await this.#d.profiles.edit(
      caller,
      (current) => ({ portfolio: withItemAdded(current.portfolio, item) }),
      ctx,
    )
    return itemOf(doc.portfolio, item.id)
  }

  /**
   * Change a portfolio item of the caller's.
   *
   * @throws PortfolioItemNotFound (404) when the caller has no such item (another user's item
   *   included); ProfileDeactivated (403); EditConflict (409)
   */
  async update(
    caller: Caller,
    itemId: string,
    input: PortfolioInput,
    ctx: EventContext,
  ): Promise<PortfolioItemDoc> {
    const now = this.#d.now()
    const doc = await this.#d.profiles.edit(
      caller,
      (current) => {
        const portfolio = withItemChanged(current.portfolio, itemId, input, now)
        return portfolio ? { portfolio } : undefined
      },
      ctx,
    )
    return itemOf(doc.portfolio, itemId)
  }

  /**
   * Delete a portfolio item of the caller's.
   *
   * @throws PortfolioItemNotFound (404) when the caller has no such item; ProfileDeactivated (403)
   */
  async delete(caller: Caller, itemId: string, ctx: EventContext): Promise<void> {
    await this.#d.profiles.edit(
      caller,
      (current) => ({ portfolio: withItemDeleted(current.portfolio, itemId) }),
      ctx,
    )
  }
}

/** The item `id` of a portfolio just written with it. */
function itemOf(portfolio: readonly PortfolioItemDoc[], id: string): PortfolioItemDoc {
  const item = portfolio.find((i) => i.id === id)
  if (!item) throw new Error(`portfolio item ${id} missing right after the write`)
  return item
}
