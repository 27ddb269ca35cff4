/** `GET /api/jobs/recommended` (workers) and `GET /api/jobs/:id/recommended-workers` (the job's hirer). */
import { authenticated, requireRole } from '@kelmah/service-kit'
import { RecommendedJobsSchema, RecommendedWorkersSchema } from '../schemas/recommendations.js'
import { toJobView } from '../services/views.js'
import { callerOf, type JobRoutePlugin } from './context.js'

/** Recommendation routes (full paths; registered without a prefix). */
export const recommendationRoutes: JobRoutePlugin = authenticated((app, { recommendations }) => {
  app.get(
    '/api/jobs/recommended',
    { schema: RecommendedJobsSchema, preHandler: [requireRole('worker')] },
    async (request) => {
      const page = await recommendations.jobsFor(callerOf(request), request.query)
      return {
        items: page.items.map((r) => ({ job: toJobView(r.job), score: r.score })),
        nextCursor: page.nextCursor,
      }
    },
  )

  app.get(
    '/api/jobs/:id/recommended-workers',
    { schema: RecommendedWorkersSchema, preHandler: [requireRole('hirer')] },
    async (request) => {
      const page = await recommendations.workersFor(callerOf(request), request.params.id, request.query)
      return {
        items: page.items.map(({ profile: p, score }) => ({
          workerId: p._id,
          displayName: p.displayName,
          headline: p.headline ?? null,
          skills: [...p.skills],
          hourlyRate: p.hourlyRate
            ? { amountMinor: p.hourlyRate.amountMinor, currency: p.hourlyRate.currency }
            : null,
          availability: p.availability,
          country: p.country ?? null,
          rating: { average: p.rating.average, count: p.rating.count },
          score,
        })),
        nextCursor: page.nextCursor,
      }
    },
  )
  return Promise.resolve()
})
