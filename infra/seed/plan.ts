/**
 * The seed's plan: every user, profile, job, application and decision, generated up front from
 * one faker seed. Generating before sending (rather than while requests run concurrently) makes
 * the text and the choices the same on every run with the same `--seed`, whatever order the
 * requests finish in. Only e-mail addresses carry a per-run tag, so a second run does not collide
 * with the accounts of the first.
 */
import { base, en, Faker } from '@faker-js/faker'
import type { ApplicationBody, JobBody, ProfileBody } from '../demo/marketplace.js'
import { CLIENTS, PLACES, workOf } from './catalogue.js'

/** Sizes of a plan. */
export interface PlanOptions {
  /** Accounts to make (≥ 2: at least one hirer and one worker). */
  users: number
  /** Jobs to post. */
  jobs: number
  /** Faker seed. */
  seed: number
  /** Category slugs to post jobs in. */
  categories: readonly string[]
  /** Unique tag of this run, put in every e-mail address (`seed-<tag>-<n>@…`). */
  runTag: string
  /** Share of accounts that are hirers, 0–1 (default 0.25). */
  hirerShare?: number
  /** Most applications one job gets (default 5; each job gets 0…max). */
  maxApplicationsPerJob?: number
}

/** An account to make, with its profile. */
export interface PlannedUser {
  index: number
  role: 'hirer' | 'worker'
  name: string
  email: string
  password: string
  /** Body of `PATCH /api/users/me`. */
  profile: ProfileBody
  /** For workers: the category they work in (their skills come from it). */
  category?: string
}

/** A job to post, and what happens to it. */
export interface PlannedJob {
  index: number
  /** Index into `hirers`. */
  hirer: number
  /** Body of `POST /api/jobs`. */
  body: JobBody
  applications: PlannedApplication[]
  /** Index into `applications` the hirer shortlists, if any. */
  shortlist?: number
  /** Index into `applications` the hirer accepts (making a contract), if any. */
  accept?: number
  /** Who signs the contract of an accepted application. */
  sign?: 'both' | 'hirer'
  /**
   * For an accepted application: the reviews both parties leave if the contract is paid and
   * completes (`--paid`): the hirer's of the worker and the worker's of the hirer.
   */
  reviews?: { ofWorker: PlannedReview; ofHirer: PlannedReview }
}

/** A review to leave (body of `POST /api/reviews` without the contract id). */
export interface PlannedReview {
  /** 3–5, mostly 4 and 5 (as marketplaces' ratings cluster). */
  rating: number
  aspects: { communication: number; quality?: number; timeliness: number; professionalism: number }
  comment: string
}

/** An application to submit. */
export interface PlannedApplication {
  /** Index into `workers`. */
  worker: number
  /** Body of `POST /api/jobs/:id/applications`. */
  body: ApplicationBody
}

/** The whole plan. */
export interface SeedPlan {
  hirers: PlannedUser[]
  workers: PlannedUser[]
  jobs: PlannedJob[]
}

/** Every account's password: long, two character classes, not the e-mail (auth's policy). */
export const SEED_PASSWORD = 'Kelmah-seed-2026!'

const CURRENCY = 'USD' as const

/** Openings of the seed's reviews (the rest is lorem). */
const WORKER_PRAISE = [
  'Delivered what we agreed, on time.',
  'Clear communication and careful work.',
  'Good work; a couple of rounds of changes were needed.',
  'Would hire again.',
]
const HIRER_PRAISE = [
  'A clear brief and quick answers.',
  'Paid promptly; easy to work with.',
  'Good client, the scope moved a little.',
  'Would work with them again.',
]

/**
 * Make the plan.
 *
 * @throws RangeError when fewer than 2 users are asked for or no category is given
 */
export function makePlan(options: PlanOptions): SeedPlan {
  if (options.users < 2) throw new RangeError('--users must be at least 2 (one hirer, one worker)')
  if (options.categories.length === 0) throw new RangeError('no job categories to post in')
  const f = new Faker({ locale: [en, base], seed: options.seed })
  // Reviews draw from their own generator, so adding them left every other text as it was.
  const rf = new Faker({ locale: [en, base], seed: options.seed + 7_919 })
  const review = (ofWorker: boolean): PlannedReview => {
    const rating = rf.helpers.weightedArrayElement([
      { weight: 5, value: 5 },
      { weight: 3, value: 4 },
      { weight: 1, value: 3 },
    ])
    const near = () => Math.max(1, Math.min(5, rating + rf.helpers.arrayElement([-1, 0, 0, 0, 1])))
    return {
      rating,
      aspects: {
        communication: near(),
        ...(ofWorker ? { quality: near() } : {}),
        timeliness: near(),
        professionalism: near(),
      },
      comment:
        `${rf.helpers.arrayElement(ofWorker ? WORKER_PRAISE : HIRER_PRAISE)} ${rf.lorem.sentence()}`.slice(
          0,
          2000,
        ),
    }
  }
  const hirerCount = Math.max(1, Math.round(options.users * (options.hirerShare ?? 0.25)))
  const maxApps = options.maxApplicationsPerJob ?? 5

  const hirers: PlannedUser[] = []
  const workers: PlannedUser[] = []
  for (let i = 0; i < options.users; i++) {
    const role =
      i % Math.round(options.users / hirerCount) === 0 && hirers.length < hirerCount ? 'hirer' : 'worker'
    const first = f.person.firstName()
    const last = f.person.lastName()
    const name = `${first} ${last}`
    const email = `seed-${options.runTag}-${String(i).padStart(4, '0')}@seed.kelmah.test`
    const place = f.helpers.arrayElement(PLACES)
    const location = { country: place.country, city: f.helpers.arrayElement(place.cities) }
    if (role === 'hirer') {
      const company = f.company.name()
      hirers.push({
        index: i,
        role,
        name,
        email,
        password: SEED_PASSWORD,
        profile: {
          headline: `${f.person.jobTitle()} at ${company}`.slice(0, 120),
          bio: `${f.company.catchPhrase()}. ${f.lorem.sentences({ min: 2, max: 4 })}`.slice(0, 2000),
          location,
          company: {
            name: company,
            size: f.helpers.arrayElement(['1', '2-10', '11-50', '51-200', '201-1000']),
            industry: f.commerce.department(),
            website: `https://${f.internet.domainWord()}.example.com`,
          },
        },
      })
    } else {
      const category = f.helpers.arrayElement(options.categories)
      const work = workOf(category)
      const skills = f.helpers.arrayElements(work.skills, { min: 3, max: Math.min(7, work.skills.length) })
      const years = f.number.int({ min: 1, max: 15 })
      workers.push({
        index: i,
        role,
        name,
        email,
        password: SEED_PASSWORD,
        category,
        profile: {
          headline: `${f.helpers.arrayElement(work.roles)} · ${skills.slice(0, 3).join(', ')}`.slice(0, 120),
          bio: `${years} years of ${work.roles[0]!.toLowerCase()} work. ${f.lorem.sentences({ min: 2, max: 5 })}`.slice(
            0,
            2000,
          ),
          skills,
          hourlyRate: { amountMinor: f.number.int({ min: 8, max: 150 }) * 100, currency: CURRENCY },
          location,
          availability: f.helpers.weightedArrayElement([
            { weight: 6, value: 'available' },
            { weight: 3, value: 'limited' },
            { weight: 1, value: 'unavailable' },
          ]),
        },
      })
    }
  }

  // Workers by category, so applicants mostly come from the job's own field.
  const byCategory = new Map<string, number[]>()
  workers.forEach((w, i) => byCategory.set(w.category!, [...(byCategory.get(w.category!) ?? []), i]))

  const jobs: PlannedJob[] = []
  for (let j = 0; j < options.jobs; j++) {
    const category = f.helpers.arrayElement(options.categories)
    const work = workOf(category)
    const skills = f.helpers.arrayElements(work.skills, { min: 2, max: Math.min(5, work.skills.length) })
    const fixed = f.datatype.boolean(0.6)
    // Fixed: $50…$10,000 in $25 steps. Hourly: $10…$80 minimum, up to $60 more as maximum.
    const fixedMinor = f.number.int({ min: 2, max: 400 }) * 2_500
    const hourlyMin = f.number.int({ min: 10, max: 80 }) * 100
    const hourlyMax = hourlyMin + f.number.int({ min: 0, max: 60 }) * 100
    const budget = fixed
      ? { type: 'fixed' as const, amountMinor: fixedMinor, currency: CURRENCY }
      : { type: 'hourly' as const, minMinor: hourlyMin, maxMinor: hourlyMax, currency: CURRENCY }
    const title = `${f.helpers.arrayElement(work.things)} ${f.helpers.arrayElement(CLIENTS)}`
    const body: JobBody = {
      title,
      description: [
        `We need help with: ${title.toLowerCase()}.`,
        f.lorem.paragraph({ min: 2, max: 4 }),
        `Must know ${skills.join(', ')}.`,
      ].join(' '),
      category,
      skills,
      budget,
      duration: f.helpers.arrayElement([
        'less_than_1_month',
        '1_to_3_months',
        '3_to_6_months',
        'more_than_6_months',
      ]),
      experienceLevel: f.helpers.arrayElement(['entry', 'intermediate', 'expert']),
    }

    const own = byCategory.get(category) ?? []
    const wanted = f.number.int({ min: 0, max: maxApps })
    const chosen = new Set<number>()
    for (let tries = 0; chosen.size < Math.min(wanted, workers.length) && tries < wanted * 4; tries++) {
      const pool = own.length > 0 && f.datatype.boolean(0.75) ? own : workers.map((_, i) => i)
      chosen.add(f.helpers.arrayElement(pool))
    }
    const applications = [...chosen].map((worker): PlannedApplication => {
      // Bids near the budget: 80–115 % of a fixed price (whole dollars), or a rate within the range.
      const amountMinor = fixed
        ? Math.max(1_000, Math.round((fixedMinor * f.number.int({ min: 80, max: 115 })) / 10_000) * 100)
        : f.number.int({ min: hourlyMin / 100, max: hourlyMax / 100 }) * 100
      return {
        worker,
        body: {
          coverLetter: `Hello! ${f.lorem.sentences({ min: 2, max: 4 })} I have done similar work with ${skills[0]}.`,
          bid: { amountMinor, currency: CURRENCY },
          estimatedDays: f.number.int({ min: 2, max: 90 }),
        },
      }
    })
    const planned: PlannedJob = { index: j, hirer: j % hirers.length, body, applications }
    if (applications.length > 0) {
      const roll = f.number.float({ min: 0, max: 1 })
      if (roll < 0.12) {
        planned.accept = f.number.int({ min: 0, max: applications.length - 1 })
        planned.sign = f.datatype.boolean(0.8) ? 'both' : 'hirer'
        planned.reviews = { ofWorker: review(true), ofHirer: review(false) }
      } else if (roll < 0.35) {
        planned.shortlist = f.number.int({ min: 0, max: applications.length - 1 })
      }
    }
    jobs.push(planned)
  }
  return { hirers, workers, jobs }
}
