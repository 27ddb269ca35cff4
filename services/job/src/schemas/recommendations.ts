/** Route schemas of recommendations. */
import { Money, PageQuery } from '@kelmah/contracts'
import Type from 'typebox'
import { bearer, IdParams, JobView } from './common.js'

const tags = ['recommendations']

/** A recommended job: the job view plus its score (see `domain/ranking.ts`). */
export const RecommendedJobView = Type.Object(
  { job: JobView, score: Type.Number() },
  { additionalProperties: false },
)

/** A recommended worker: the read-model snapshot plus its score. */
export const RecommendedWorkerView = Type.Object(
  {
    workerId: Type.String(),
    displayName: Type.String(),
    headline: Type.Union([Type.String(), Type.Null()]),
    skills: Type.Array(Type.String()),
    hourlyRate: Type.Union([Money, Type.Null()]),
    availability: Type.String(),
    country: Type.Union([Type.String(), Type.Null()]),
    rating: Type.Object({ average: Type.Number(), count: Type.Integer() }),
    score: Type.Number(),
  },
  { additionalProperties: false },
)

const page = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) })

/** Route schema of `GET /api/jobs/recommended`. */
export const RecommendedJobsSchema = {
  summary: 'Open jobs recommended to the calling worker, best first',
  description:
    "Open public jobs sharing a skill with you, not yet applied to; jobs of suspended hirers (auth's UserSuspended, until UserReinstated) are left out.",
  tags,
  security: bearer,
  querystring: PageQuery,
  response: { 200: page(RecommendedJobView) },
}

/** Route schema of `GET /api/jobs/:id/recommended-workers`. */
export const RecommendedWorkersSchema = {
  summary: "Workers recommended for one of the hirer's jobs, best first",
  description:
    "Workers sharing a skill with the job, not unavailable; suspended workers (auth's UserSuspended, until UserReinstated) are left out.",
  tags,
  security: bearer,
  params: IdParams,
  querystring: PageQuery,
  response: { 200: page(RecommendedWorkerView) },
}
