/**
 * The Profile aggregate: one document per user, keyed by the user id (so creation from
 * `UserRegistered` is idempotent through the unique `_id`), with its portfolio embedded, the
 * denormalised rating summary, the search keywords, and the outbox its `ProfileUpdated` events
 * ride in (written in the same document write as the change).
 */
import { outboxPlugin, type OutboxFields } from '@kelmah/bus'
import { Schema, type Connection, type Model } from 'mongoose'
import type { Role } from '../domain/profile.js'

/** Worker availability. */
export type Availability = 'available' | 'limited' | 'unavailable'
/** Company size bands (employees). */
export const COMPANY_SIZES = ['1', '2-10', '11-50', '51-200', '201-1000', '1000+'] as const
/** Language proficiency levels. */
export const PROFICIENCIES = ['basic', 'conversational', 'fluent', 'native'] as const

/** Money in integer minor units. */
export interface MoneyDoc {
  amountMinor: number
  currency: string
}
/** Where the user is. */
export interface LocationDoc {
  /** ISO 3166-1 alpha-2, upper case. */
  country: string
  city?: string | null
}
/** A spoken language. */
export interface LanguageDoc {
  /** BCP 47 tag, canonical case. */
  code: string
  proficiency: (typeof PROFICIENCIES)[number]
}
/** A past or current position. */
export interface ExperienceDoc {
  title: string
  company?: string | null
  /** `YYYY-MM`. */
  from: string
  /** `YYYY-MM`, null while current. */
  to: string | null
  description?: string | null
}
/** A hirer's company. */
export interface CompanyDoc {
  name: string
  size?: (typeof COMPANY_SIZES)[number] | null
  website?: string | null
  industry?: string | null
}
/** A portfolio item (worker). */
export interface PortfolioItemDoc {
  /** 24 hex characters, unique within the profile. */
  id: string
  title: string
  description: string
  links: string[]
  imageUrls: string[]
  createdAt: Date
  updatedAt: Date
}
/**
 * Rating summary from `RatingUpdated`; `sequence` is the last applied event's (0 = none yet).
 * `average` (plain mean, 1–5, 0 when unrated) is what profiles and search results show;
 * `bayesianScore` (the review service's mean shrunk towards the platform prior) is what search
 * ranks by, null (or absent) when the last event carried none (domain/ranking.ts `ratingTerm`).
 */
export interface RatingDoc {
  average: number
  count: number
  sequence: number
  /** Absent on profiles rated before the field existed. */
  bayesianScore?: number | null
}

/** A profile document as stored. */
export interface ProfileDoc extends OutboxFields {
  /** The user id (auth's id; any string — never assume an ObjectId). */
  _id: string
  role: Role
  /** Empty until known (a profile created lazily from a token has no name yet). */
  displayName: string
  headline: string | null
  bio: string | null
  avatarUrl: string | null
  location: LocationDoc | null
  /** IANA time zone name. */
  timezone: string | null
  languages: LanguageDoc[]
  /** Normalised skill names (worker). */
  skills: string[]
  hourlyRate: MoneyDoc | null
  availability: Availability | null
  experience: ExperienceDoc[]
  portfolio: PortfolioItemDoc[]
  company: CompanyDoc | null
  rating: RatingDoc
  /** Search words (see domain/keywords.ts); never leaves the service. */
  keywords: string[]
  /** Set by `UserDeactivated`: hidden from search and public view, read-only to its owner. */
  deactivated: boolean
  deactivatedAt: Date | null
  /**
   * Set by `UserSuspended`, cleared by `UserReinstated` (an admin's decision in auth): hidden from
   * search and from everyone but its owner and admins (domain/suspension.ts). Absent on profiles
   * stored before the field existed — read as false.
   */
  suspended: boolean
  /** `occurredAt` of the last applied `UserSuspended`/`UserReinstated` (the order guard); null = none. */
  suspensionAt: Date | null
  /** Grows by one per change, written with the change; carried by `ProfileUpdated`. */
  profileVersion: number
  createdAt: Date
  updatedAt: Date
}

const Money = new Schema<MoneyDoc>({ amountMinor: Number, currency: String }, { _id: false })
const Location = new Schema<LocationDoc>(
  { country: String, city: { type: String, default: null } },
  { _id: false },
)
const Language = new Schema<LanguageDoc>({ code: String, proficiency: String }, { _id: false })
const Experience = new Schema<ExperienceDoc>(
  {
    title: String,
    company: { type: String, default: null },
    from: String,
    to: { type: String, default: null },
    description: { type: String, default: null },
  },
  { _id: false },
)
const Company = new Schema<CompanyDoc>(
  {
    name: String,
    size: { type: String, default: null },
    website: { type: String, default: null },
    industry: { type: String, default: null },
  },
  { _id: false },
)
const PortfolioItem = new Schema<PortfolioItemDoc>(
  {
    id: String,
    title: String,
    description: String,
    links: [String],
    imageUrls: [String],
    createdAt: Date,
    updatedAt: Date,
  },
  { _id: false },
)
const Rating = new Schema<RatingDoc>(
  { average: Number, count: Number, sequence: Number, bayesianScore: { type: Number, default: null } },
  { _id: false },
)

/** Mongoose schema of `profiles`. Validation happens at the API edge; the schema only shapes. */
export const ProfileSchema = new Schema<ProfileDoc>(
  {
    _id: { type: String, required: true },
    role: { type: String, required: true, enum: ['hirer', 'worker', 'admin'] },
    displayName: { type: String, default: '' },
    headline: { type: String, default: null },
    bio: { type: String, default: null },
    avatarUrl: { type: String, default: null },
    location: { type: Location, default: null },
    timezone: { type: String, default: null },
    languages: { type: [Language], default: [] },
    skills: { type: [String], default: [] },
    hourlyRate: { type: Money, default: null },
    availability: { type: String, default: null },
    experience: { type: [Experience], default: [] },
    portfolio: { type: [PortfolioItem], default: [] },
    company: { type: Company, default: null },
    rating: { type: Rating, default: () => ({ average: 0, count: 0, sequence: 0, bayesianScore: null }) },
    keywords: { type: [String], default: [] },
    deactivated: { type: Boolean, default: false },
    deactivatedAt: { type: Date, default: null },
    suspended: { type: Boolean, default: false },
    suspensionAt: { type: Date, default: null },
    profileVersion: { type: Number, required: true, default: 1 },
  },
  { collection: 'profiles', timestamps: true, minimize: false, _id: false },
)
// Search: the filter always has role + deactivated; keywords and skills are multikey (equality, $all, $in).
ProfileSchema.index({ role: 1, deactivated: 1 })
ProfileSchema.index({ keywords: 1 })
ProfileSchema.index({ skills: 1 })
ProfileSchema.plugin(outboxPlugin)

/** The Profile model on `conn` (created once per connection). */
export function profileModel(conn: Connection): Model<ProfileDoc> {
  return (
    (conn.models.Profile as Model<ProfileDoc> | undefined) ?? conn.model<ProfileDoc>('Profile', ProfileSchema)
  )
}
