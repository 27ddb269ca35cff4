/**
 * Profile rules: which fields belong to which role, what a valid country, time zone, currency or
 * language is, experience dates, which fields an update really changed, and the decisions that
 * create and change a profile (the stored fields, the search keywords, the `ProfileUpdated`
 * event). Pure, unit-tested.
 */
import { isCurrency as isAllowedCurrency, type EventContext, type EventOf } from '@kelmah/contracts'
import type { Decision } from '@kelmah/service-kit'
import { ProfileDeactivated } from '../errors.js'
import { profileUpdated } from '../events/publishers.js'
import type { ProfileDoc } from '../models/profile.js'
import { keywordsOf } from './keywords.js'

/** Roles a profile may have (from the account). */
export type Role = 'hirer' | 'worker' | 'admin'

/** Fields only a worker's profile has (a hirer's or admin's PATCH naming one is refused). */
export const WORKER_ONLY_FIELDS = ['skills', 'hourlyRate', 'availability', 'experience'] as const
/** Fields only a hirer's profile has. */
export const HIRER_ONLY_FIELDS = ['company'] as const

/** The first field of `body` that `role` may not set, with the reason; undefined when all are allowed. */
export function roleFieldProblem(
  role: Role,
  body: Record<string, unknown>,
): { field: string; message: string } | undefined {
  const present = (f: string) => Object.hasOwn(body, f) && body[f] !== undefined
  if (role !== 'worker') {
    const f = WORKER_ONLY_FIELDS.find(present)
    if (f) return { field: f, message: 'only worker profiles have this field' }
  }
  if (role !== 'hirer') {
    const f = HIRER_ONLY_FIELDS.find(present)
    if (f) return { field: f, message: 'only hirer profiles have this field' }
  }
  return undefined
}

/**
 * ISO 3166-1 alpha-2 codes officially assigned (249), plus `XK` (Kosovo, user-assigned but used
 * by the EU and most payment providers).
 *
 * @see https://www.iso.org/iso-3166-country-codes.html
 */
export const COUNTRY_CODES: ReadonlySet<string> = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS ' +
    'BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE ' +
    'EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM ' +
    'HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC ' +
    'LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA ' +
    'NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
    'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO ' +
    'TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK'
  ).split(' '),
)

/** The upper-case country code when `code` is an ISO 3166-1 alpha-2 code, else undefined. */
export function normaliseCountry(code: string): string | undefined {
  const upper = code.trim().toUpperCase()
  return COUNTRY_CODES.has(upper) ? upper : undefined
}

/**
 * The canonical IANA name of a time zone (`europe/london` → `Europe/London`), or undefined when
 * the runtime's time-zone database does not know it. Checked by constructing `Intl.DateTimeFormat`,
 * which (unlike `Intl.supportedValuesOf('timeZone')`) also accepts `UTC` and links.
 */
export function canonicalTimeZone(name: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return undefined
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone
  } catch {
    return undefined
  }
}

/**
 * True when `code` is on the platform's currency allow-list (`@kelmah/contracts` `CURRENCIES`,
 * upper case) — the currencies money can be paid in, not every ISO 4217 code.
 */
export function isCurrency(code: string): boolean {
  return isAllowedCurrency(code)
}

/**
 * The highest hourly rate a worker may ask, in minor units (10,000,000: 100,000.00 an hour in
 * two-decimal currencies). Stricter than the money ceiling of `@kelmah/contracts` (99,999,999,
 * the largest single Stripe charge): a rate is a price per hour, not a payment, and above this
 * it is a typo. The lower bound is money's own (at least 1 minor unit; `PositiveMoney`).
 */
export const HOURLY_RATE_MAX_MINOR = 10_000_000

/** The canonical BCP 47 tag of a language code (`pt-br` → `pt-BR`), or undefined when malformed. */
export function canonicalLanguage(code: string): string | undefined {
  try {
    const [tag] = Intl.getCanonicalLocales(code)
    return tag
  } catch {
    return undefined
  }
}

/** `YYYY-MM` as a comparable month number. */
export function monthIndex(ym: string): number {
  const [y, m] = ym.split('-').map(Number)
  return (y ?? 0) * 12 + ((m ?? 1) - 1)
}

/** An experience entry as written by the owner. */
export interface ExperienceInput {
  title: string
  company?: string | null
  /** `YYYY-MM`. */
  from: string
  /** `YYYY-MM`, or null while current. */
  to?: string | null
  description?: string | null
}

/**
 * The first problem of an experience list: a start after its end, or a start in the future
 * (relative to `nowMs`). Field names are relative (`3.to`).
 */
export function experienceProblem(
  entries: readonly ExperienceInput[],
  nowMs: number,
): { field: string; message: string } | undefined {
  const now = new Date(nowMs)
  const thisMonth = now.getUTCFullYear() * 12 + now.getUTCMonth()
  for (const [i, e] of entries.entries()) {
    if (monthIndex(e.from) > thisMonth) return { field: `${i}.from`, message: 'must not be in the future' }
    if (e.to && monthIndex(e.to) < monthIndex(e.from))
      return { field: `${i}.to`, message: 'must not be before from' }
    if (e.to && monthIndex(e.to) > thisMonth)
      return { field: `${i}.to`, message: 'must not be in the future; use null for a current position' }
  }
  return undefined
}

/** Structural equality of JSON-like values (key order ignored). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a === null || b === null || a === undefined || b === undefined) return (a ?? null) === (b ?? null)
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]))
    )
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined)
    const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined)
    if (ka.length !== kb.length) return false
    return ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  }
  return false
}

/** The names of the fields of `next` whose value differs from `current` (in `next`'s key order). */
export function changedFields(current: Record<string, unknown>, next: Record<string, unknown>): string[] {
  return Object.keys(next).filter((k) => next[k] !== undefined && !sameValue(current[k], next[k]))
}

/** The fields a new profile is created with (the rest are schema defaults). */
export interface NewProfileFields {
  _id: string
  role: Role
  displayName: string
}

/**
 * A new profile (version 1, empty skills, workers available) created at `now`, and its creation
 * event (`ProfileUpdated` with `changed: []`).
 */
export function newProfile(
  fields: NewProfileFields,
  now: Date,
  ctx: EventContext,
): { doc: Omit<ProfileDoc, 'outbox'>; event: EventOf<'ProfileUpdated'> } {
  const base = {
    ...fields,
    headline: null,
    skills: [] as string[],
    hourlyRate: null,
    availability: fields.role === 'worker' ? ('available' as const) : null,
    location: null,
    profileVersion: 1,
  }
  return {
    // The remaining fields are filled in by the schema's defaults.
    doc: { ...base, keywords: keywordsOf(base), createdAt: now, updatedAt: now } as Omit<
      ProfileDoc,
      'outbox'
    >,
    event: profileUpdated(base, [], ctx),
  }
}

/** Options of {@link profileChange}. */
export interface ProfileChangeOptions {
  /** Change a deactivated profile too (event handlers); default false (owners may not). */
  allowDeactivated?: boolean
}

/**
 * The change `edit` makes to `current`: `edit` gives the new field values (undefined for nothing
 * to do); only the fields that really differ are set, with the search keywords recomputed, and
 * one `ProfileUpdated` event carrying the next `profileVersion` (the store bumps the stored one by
 * one in the same write) and the names of the changed fields. Null when nothing differs.
 *
 * @throws ProfileDeactivated (403) when `current` is deactivated (unless `allowDeactivated`),
 *   before `edit` runs; whatever `edit` throws
 */
export function profileChange(
  current: ProfileDoc,
  edit: (current: ProfileDoc) => Partial<ProfileDoc> | undefined,
  ctx: EventContext,
  opts: ProfileChangeOptions = {},
): Decision | null {
  if (current.deactivated && !opts.allowDeactivated) throw new ProfileDeactivated()
  const next = edit(current)
  if (!next) return null
  const changed = changedFields(current as unknown as Record<string, unknown>, next)
  if (changed.length === 0) return null
  const merged: ProfileDoc = { ...current, ...next, profileVersion: current.profileVersion + 1 }
  const set: Record<string, unknown> = { keywords: keywordsOf(merged) }
  for (const f of changed) set[f] = (next as Record<string, unknown>)[f]
  return { set, events: [profileUpdated(merged, changed, ctx)] }
}

/** True when `decision` (from {@link profileChange}) changes the profile's skills. */
export function changesSkills(decision: Decision | null | undefined): boolean {
  return decision?.set !== undefined && Object.hasOwn(decision.set, 'skills')
}
