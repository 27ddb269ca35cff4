/**
 * The owner's profile patch (`PATCH /me`) turned into stored values: the rules the request schema
 * cannot express (countries, time zones, currencies, languages, skills, experience dates). Pure.
 */
import { MoneyError, positiveMoney } from '@kelmah/contracts'
import { FieldNotForRole, InvalidField, withFields } from '../errors.js'
import type { Availability, CompanyDoc, ExperienceDoc, LanguageDoc, ProfileDoc } from '../models/profile.js'
import {
  canonicalLanguage,
  canonicalTimeZone,
  experienceProblem,
  HOURLY_RATE_MAX_MINOR,
  normaliseCountry,
  roleFieldProblem,
  type Role,
} from './profile.js'
import { normaliseSkills } from './skills.js'

/** The owner's update (`PATCH /me`); `null` clears a nullable field. Already schema-checked. */
export interface ProfilePatch {
  displayName?: string
  headline?: string | null
  bio?: string | null
  avatarUrl?: string | null
  location?: { country: string; city?: string | null } | null
  timezone?: string | null
  languages?: Array<{ code: string; proficiency: LanguageDoc['proficiency'] }>
  skills?: string[]
  hourlyRate?: { amountMinor: number; currency: string } | null
  availability?: Availability
  experience?: Array<{
    title: string
    company?: string | null
    from: string
    to?: string | null
    description?: string | null
  }>
  company?: {
    name: string
    size?: CompanyDoc['size']
    website?: string | null
    industry?: string | null
  } | null
}

/** `s` trimmed, or null when empty or absent. */
export const trimOrNull = (s: string | null | undefined): string | null => {
  const t = s?.trim()
  return t ? t : null
}

const invalid = (field: string, message: string) =>
  withFields(new InvalidField(`${field} ${message}`), [{ field, message, in: 'body' as const }])

/**
 * Turn a schema-checked patch into stored values, applying the rules the schema cannot express.
 * `now` is the current time (experience may not start or end in the future).
 *
 * @throws InvalidField (400) naming the field: unknown country, time zone, currency or language,
 *   a bad or duplicate skill or language, experience dates out of order or in the future
 */
export function normalisePatch(patch: ProfilePatch, now: Date): Partial<ProfileDoc> {
  const out: Partial<ProfileDoc> = {}
  if (patch.displayName !== undefined) out.displayName = patch.displayName.trim()
  if (patch.headline !== undefined) out.headline = trimOrNull(patch.headline)
  if (patch.bio !== undefined) out.bio = trimOrNull(patch.bio)
  if (patch.avatarUrl !== undefined) out.avatarUrl = patch.avatarUrl
  if (patch.location !== undefined) {
    if (patch.location === null) out.location = null
    else {
      const country = normaliseCountry(patch.location.country)
      if (!country) throw invalid('location.country', 'is not an ISO 3166-1 alpha-2 country code')
      out.location = { country, city: trimOrNull(patch.location.city) }
    }
  }
  if (patch.timezone !== undefined) {
    if (patch.timezone === null) out.timezone = null
    else {
      const tz = canonicalTimeZone(patch.timezone)
      if (!tz) throw invalid('timezone', 'is not an IANA time zone name (e.g. Africa/Accra)')
      out.timezone = tz
    }
  }
  if (patch.languages !== undefined) {
    const seen = new Set<string>()
    out.languages = patch.languages.map((l, i) => {
      const code = canonicalLanguage(l.code)
      if (!code) throw invalid(`languages.${i}.code`, 'is not a BCP 47 language tag (e.g. en, pt-BR)')
      if (seen.has(code)) throw invalid(`languages.${i}.code`, 'is listed twice')
      seen.add(code)
      return { code, proficiency: l.proficiency }
    })
  }
  if (patch.skills !== undefined) {
    const result = normaliseSkills(patch.skills)
    if (!result.ok) throw invalid(`skills.${result.index}`, result.message)
    out.skills = result.skills
  }
  if (patch.hourlyRate !== undefined) {
    if (patch.hourlyRate === null) out.hourlyRate = null
    else {
      // Bounded money (`@kelmah/contracts`), then the rate's own stricter ceiling.
      let rate: { amountMinor: number; currency: string }
      try {
        rate = positiveMoney(patch.hourlyRate.amountMinor, patch.hourlyRate.currency)
      } catch (err) {
        if (!(err instanceof MoneyError)) throw err
        throw invalid(
          err.reason === 'currency' ? 'hourlyRate.currency' : 'hourlyRate.amountMinor',
          err.message,
        )
      }
      if (rate.amountMinor > HOURLY_RATE_MAX_MINOR)
        throw invalid(
          'hourlyRate.amountMinor',
          `must be at most ${HOURLY_RATE_MAX_MINOR} minor units an hour`,
        )
      out.hourlyRate = rate
    }
  }
  if (patch.availability !== undefined) out.availability = patch.availability
  if (patch.experience !== undefined) {
    const problem = experienceProblem(patch.experience, now.getTime())
    if (problem) throw invalid(`experience.${problem.field}`, problem.message)
    out.experience = patch.experience.map((e): ExperienceDoc => ({
      title: e.title.trim(),
      company: trimOrNull(e.company),
      from: e.from,
      to: e.to ?? null,
      description: trimOrNull(e.description),
    }))
  }
  if (patch.company !== undefined) {
    out.company =
      patch.company === null
        ? null
        : {
            name: patch.company.name.trim(),
            size: patch.company.size ?? null,
            website: patch.company.website ?? null,
            industry: trimOrNull(patch.company.industry),
          }
  }
  return out
}

/**
 * The owner's patch applied to a profile of `role`: the new field values.
 *
 * @throws FieldNotForRole (400) naming a field of the other role; InvalidField (400) naming the
 *   field (see {@link normalisePatch})
 */
export function patchFields(role: Role, patch: ProfilePatch, now: Date): Partial<ProfileDoc> {
  const problem = roleFieldProblem(role, patch as Record<string, unknown>)
  if (problem) {
    throw withFields(new FieldNotForRole(`${problem.field}: ${problem.message}`), [
      { ...problem, in: 'body' },
    ])
  }
  return normalisePatch(patch, now)
}
