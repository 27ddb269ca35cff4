/**
 * Shared pieces of the user API's schemas: field shapes with their limits, and the profile views
 * (the response schemas also stop private fields from leaking — fields not listed are dropped).
 */
import { Id, PositiveMoney } from '@kelmah/contracts'
import Type from 'typebox'
import { HOURLY_RATE_MAX_MINOR } from '../domain/profile.js'
import { COMPANY_SIZES, PROFICIENCIES } from '../models/profile.js'

/** Bearer-token security requirement for OpenAPI. */
export const bearer = [{ bearerAuth: [] }]
/** OpenAPI tag of every route. */
export const tags = ['users']

/** An http(s) URL. */
export const HttpUrl = Type.String({
  format: 'uri',
  pattern: '^https?://',
  maxLength: 2048,
  description: 'http or https URL',
})
/** `YYYY-MM`. */
export const YearMonth = Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM' })
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

/**
 * An hourly rate: `@kelmah/contracts` `PositiveMoney` (currency from the allow-list, at least 1
 * minor unit) with the rate's own, stricter ceiling `HOURLY_RATE_MAX_MINOR` (10 000 000; see
 * `domain/profile.ts`).
 */
export const RateInput = Type.Object(
  {
    amountMinor: Type.Integer({
      minimum: 1, // PositiveMoney's lower bound
      maximum: HOURLY_RATE_MAX_MINOR,
      description: 'integer minor units (cents) an hour',
    }),
    currency: PositiveMoney.properties.currency,
  },
  { additionalProperties: false },
)
/** Availability of a worker. */
export const AvailabilityEnum = Type.Enum(['available', 'limited', 'unavailable'])

/** A language entry. */
export const LanguageInput = Type.Object(
  {
    code: Type.String({ minLength: 2, maxLength: 35, description: 'BCP 47 tag: en, fr, pt-BR' }),
    proficiency: Type.Enum([...PROFICIENCIES]),
  },
  { additionalProperties: false },
)
/** An experience entry. */
export const ExperienceInput = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
    company: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    from: YearMonth,
    to: Type.Optional(Nullable(YearMonth)),
    description: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  },
  { additionalProperties: false },
)
/** A hirer's company. */
export const CompanyInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
    size: Type.Optional(Nullable(Type.Enum([...COMPANY_SIZES]))),
    website: Type.Optional(Nullable(HttpUrl)),
    industry: Type.Optional(Nullable(Type.String({ maxLength: 60 }))),
  },
  { additionalProperties: false },
)
/** Where the user is. */
export const LocationInput = Type.Object(
  {
    country: Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2, e.g. GH' }),
    city: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
  },
  { additionalProperties: false },
)

const MoneyOut = Type.Object({ amountMinor: Type.Integer(), currency: Type.String() })
const LocationOut = Type.Object({ country: Type.String(), city: Nullable(Type.String()) })
/** A portfolio item as returned. */
export const PortfolioItemSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Type.String(),
  links: Type.Array(Type.String()),
  imageUrls: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})

const publicFields = {
  id: Type.String({ description: 'the user id' }),
  role: Type.Enum(['hirer', 'worker', 'admin']),
  displayName: Type.String({ description: 'empty until the name is known' }),
  headline: Nullable(Type.String()),
  bio: Nullable(Type.String()),
  avatarUrl: Nullable(Type.String()),
  location: Nullable(LocationOut),
  timezone: Nullable(Type.String()),
  languages: Type.Array(Type.Object({ code: Type.String(), proficiency: Type.String() })),
  rating: Type.Object({ average: Type.Number(), count: Type.Integer() }),
  memberSince: Type.String({ format: 'date-time' }),
  // worker only
  skills: Type.Optional(Type.Array(Type.String())),
  hourlyRate: Type.Optional(Nullable(MoneyOut)),
  availability: Type.Optional(Nullable(Type.String())),
  experience: Type.Optional(
    Type.Array(
      Type.Object({
        title: Type.String(),
        company: Nullable(Type.String()),
        from: Type.String(),
        to: Nullable(Type.String()),
        description: Nullable(Type.String()),
      }),
    ),
  ),
  portfolio: Type.Optional(Type.Array(PortfolioItemSchema)),
  // hirer only
  company: Type.Optional(
    Nullable(
      Type.Object({
        name: Type.String(),
        size: Nullable(Type.String()),
        website: Nullable(Type.String()),
        industry: Nullable(Type.String()),
      }),
    ),
  ),
}

/** The public profile: no email, versions, deactivation flags, keywords or outbox. */
export const PublicProfileSchema = Type.Object(publicFields, { additionalProperties: false })
/** The owner's profile: the public one plus version, deactivation and suspension state, timestamps. */
export const OwnProfileSchema = Type.Object(
  {
    ...publicFields,
    profileVersion: Type.Integer(),
    deactivated: Type.Boolean(),
    suspended: Type.Boolean({
      description:
        'true while an admin has the account suspended (UserSuspended, until UserReinstated): hidden from search, and GET /api/users/:id answers 404 to everyone but the owner and admins',
    }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
)

/** `:id` path parameter. */
export const UserIdParams = Type.Object({ id: Id })

export { MoneyOut, LocationOut, Nullable }
