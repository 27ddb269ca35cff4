/**
 * Portfolio rules (workers): how many items a profile holds, and the portfolio after adding,
 * changing or deleting one. Pure: each returns the new `portfolio` array (or nothing to change)
 * for the profile change that stores it.
 */
import { PortfolioFull, PortfolioItemNotFound } from '../errors.js'
import type { PortfolioItemDoc } from '../models/profile.js'

/** Most portfolio items per profile. */
export const MAX_PORTFOLIO_ITEMS = 50

/** A new portfolio item, or the fields to change of one. */
export interface PortfolioInput {
  title?: string
  description?: string
  links?: string[]
  imageUrls?: string[]
}

/** The stored item made from `input`, with id `id`, created at `now`. */
export function newPortfolioItem(
  id: string,
  input: Required<Pick<PortfolioInput, 'title'>> & PortfolioInput,
  now: Date,
): PortfolioItemDoc {
  return {
    id,
    title: input.title.trim(),
    description: input.description?.trim() ?? '',
    links: input.links ?? [],
    imageUrls: input.imageUrls ?? [],
    createdAt: now,
    updatedAt: now,
  }
}

/**
 * `portfolio` with `item` appended.
 *
 * @throws PortfolioFull (409) when it already holds {@link MAX_PORTFOLIO_ITEMS}
 */
export function withItemAdded(
  portfolio: readonly PortfolioItemDoc[],
  item: PortfolioItemDoc,
): PortfolioItemDoc[] {
  if (portfolio.length >= MAX_PORTFOLIO_ITEMS) throw new PortfolioFull(MAX_PORTFOLIO_ITEMS)
  return [...portfolio, item]
}

/**
 * `portfolio` with item `itemId` changed by `input` (its `updatedAt` becomes `now`), or undefined
 * when `input` changes nothing.
 *
 * @throws PortfolioItemNotFound (404) when the portfolio has no such item
 */
export function withItemChanged(
  portfolio: readonly PortfolioItemDoc[],
  itemId: string,
  input: PortfolioInput,
  now: Date,
): PortfolioItemDoc[] | undefined {
  const item = portfolio.find((i) => i.id === itemId)
  if (!item) throw new PortfolioItemNotFound()
  const next: PortfolioItemDoc = {
    ...item,
    ...(input.title !== undefined ? { title: input.title.trim() } : {}),
    ...(input.description !== undefined ? { description: input.description.trim() } : {}),
    ...(input.links !== undefined ? { links: input.links } : {}),
    ...(input.imageUrls !== undefined ? { imageUrls: input.imageUrls } : {}),
  }
  const { updatedAt: _u, ...a } = item
  const { updatedAt: _n, ...b } = next
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined
  next.updatedAt = now
  return portfolio.map((i) => (i.id === itemId ? next : i))
}

/**
 * `portfolio` without item `itemId`.
 *
 * @throws PortfolioItemNotFound (404) when the portfolio has no such item
 */
export function withItemDeleted(portfolio: readonly PortfolioItemDoc[], itemId: string): PortfolioItemDoc[] {
  if (!portfolio.some((i) => i.id === itemId)) throw new PortfolioItemNotFound()
  return portfolio.filter((i) => i.id !== itemId)
}
