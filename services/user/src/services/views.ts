/**
 * The shapes a profile leaves the service in. The owner's view adds what only the owner may see
 * (the version, deactivation state, last change); the public view never carries the outbox,
 * keywords, rating sequence, deactivation flags or internal versions. No email is ever stored here.
 */
import type { PortfolioItemDoc, ProfileDoc } from '../models/profile.js'

/** A portfolio item as JSON. */
export interface PortfolioItemView {
  id: string
  title: string
  description: string
  links: string[]
  imageUrls: string[]
  createdAt: string
  updatedAt: string
}

/** The public profile (`GET /api/users/:id`). Role-specific fields appear only for that role. */
export interface PublicProfileView {
  id: string
  role: ProfileDoc['role']
  displayName: string
  headline: string | null
  bio: string | null
  avatarUrl: string | null
  location: { country: string; city: string | null } | null
  timezone: string | null
  languages: Array<{ code: string; proficiency: string }>
  rating: { average: number; count: number }
  memberSince: string
  skills?: string[]
  hourlyRate?: { amountMinor: number; currency: string } | null
  availability?: string | null
  experience?: Array<{
    title: string
    company: string | null
    from: string
    to: string | null
    description: string | null
  }>
  portfolio?: PortfolioItemView[]
  company?: { name: string; size: string | null; website: string | null; industry: string | null } | null
}

/** The owner's view (`GET/PATCH /api/users/me`). */
export interface OwnProfileView extends PublicProfileView {
  profileVersion: number
  deactivated: boolean
  /** True while suspended by an admin (`UserSuspended` … `UserReinstated`). */
  suspended: boolean
  createdAt: string
  updatedAt: string
}

const iso = (d: Date | string | undefined) => (d ? new Date(d).toISOString() : new Date(0).toISOString())

/** A portfolio item's JSON. */
export function toPortfolioItemView(i: PortfolioItemDoc): PortfolioItemView {
  return {
    id: i.id,
    title: i.title,
    description: i.description ?? '',
    links: [...(i.links ?? [])],
    imageUrls: [...(i.imageUrls ?? [])],
    createdAt: iso(i.createdAt),
    updatedAt: iso(i.updatedAt),
  }
}

/** The public view of a profile. */
export function toPublicProfile(p: ProfileDoc): PublicProfileView {
  const view: PublicProfileView = {
    id: p._id,
    role: p.role,
    displayName: p.displayName ?? '',
    headline: p.headline ?? null,
    bio: p.bio ?? null,
    avatarUrl: p.avatarUrl ?? null,
    location: p.location ? { country: p.location.country, city: p.location.city ?? null } : null,
    timezone: p.timezone ?? null,
    languages: (p.languages ?? []).map((l) => ({ code: l.code, proficiency: l.proficiency })),
    rating: { average: p.rating?.average ?? 0, count: p.rating?.count ?? 0 },
    memberSince: iso(p.createdAt),
  }
  if (p.role === 'worker') {
    view.skills = [...(p.skills ?? [])]
    view.hourlyRate = p.hourlyRate
      ? { amountMinor: p.hourlyRate.amountMinor, currency: p.hourlyRate.currency }
      : null
    view.availability = p.availability ?? null
    view.experience = (p.experience ?? []).map((e) => ({
      title: e.title,
      company: e.company ?? null,
      from: e.from,
      to: e.to ?? null,
      description: e.description ?? null,
    }))
    view.portfolio = (p.portfolio ?? []).map(toPortfolioItemView)
  }
  if (p.role === 'hirer') {
    view.company = p.company
      ? {
          name: p.company.name,
          size: p.company.size ?? null,
          website: p.company.website ?? null,
          industry: p.company.industry ?? null,
        }
      : null
  }
  return view
}

/** The owner's view of a profile. */
export function toOwnProfile(p: ProfileDoc): OwnProfileView {
  return {
    ...toPublicProfile(p),
    profileVersion: p.profileVersion,
    deactivated: Boolean(p.deactivated),
    suspended: Boolean(p.suspended),
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
  }
}
