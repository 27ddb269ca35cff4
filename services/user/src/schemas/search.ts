/** Schemas of `GET /api/users/search`. */
import { Currency, Page } from '@kelmah/contracts'
import Type from 'typebox'
import { SORTS } from '../domain/ranking.js'
import { bearer, LocationOut, MoneyOut, Nullable, tags } from './common.js'

/** Search query. */
export const SearchQuerySchema = Type.Object({
  q: Type.Optional(
    Type.String({ maxLength: 200, description: 'words that must all match (the last may be a prefix)' }),
  ),
  skills: Type.Optional(
    Type.String({ maxLength: 1000, description: 'comma list; workers with ANY of them, ranked by overlap' }),
  ),
  minRate: Type.Optional(
    Type.Integer({ minimum: 0, description: 'hourly rate, minor units; needs currency' }),
  ),
  maxRate: Type.Optional(
    Type.Integer({ minimum: 0, description: 'hourly rate, minor units; needs currency' }),
  ),
  currency: Type.Optional(Currency),
  country: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2' })),
  availability: Type.Optional(
    Type.String({ maxLength: 40, description: 'comma list of available, limited, unavailable' }),
  ),
  sort: Type.Optional(Type.Enum([...SORTS], { default: 'relevance' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
})

/** One hit. */
export const SearchItemSchema = Type.Object({
  id: Type.String({ description: 'the user id' }),
  displayName: Type.String(),
  headline: Nullable(Type.String()),
  avatarUrl: Nullable(Type.String()),
  skills: Type.Array(Type.String()),
  matchedSkills: Type.Array(Type.String()),
  hourlyRate: Nullable(MoneyOut),
  availability: Nullable(Type.String()),
  location: Nullable(LocationOut),
  rating: Type.Object({ average: Type.Number(), count: Type.Integer() }),
})

/** Route schema of `GET /search`. */
export const SearchSchema = {
  summary: 'Search workers by words, skills, rate, country and availability',
  tags,
  security: bearer,
  querystring: SearchQuerySchema,
  response: { 200: Page(SearchItemSchema) },
}
