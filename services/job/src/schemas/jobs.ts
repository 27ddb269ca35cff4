/** Route schemas of `/api/jobs` (jobs themselves; applications and recommendations have their own files). */
import { MONEY_CEILING_MINOR, Page, PageQuery } from '@kelmah/contracts'
import Type, { type Static } from 'typebox'
import {
  bearer,
  BudgetInput,
  Currency,
  DurationSchema,
  ExperienceLevelSchema,
  IdParams,
  JobStatusSchema,
  JobView,
  VisibilitySchema,
} from './common.js'

const tags = ['jobs']

const Title = Type.String({ minLength: 5, maxLength: 150 })
const Description = Type.String({ minLength: 20, maxLength: 10_000 })
const Category = Type.String({
  minLength: 1,
  maxLength: 60,
  description: 'a slug from GET /api/jobs/categories',
})
const Skills = Type.Array(Type.String({ minLength: 1, maxLength: 50 }), {
  minItems: 1,
  maxItems: 20,
  description: 'stored lower case, de-duplicated',
})
const Attachments = Type.Array(Type.String({ format: 'uri', maxLength: 2000 }), { maxItems: 10 })
const Openings = Type.Integer({ minimum: 1, maximum: 100 })

/** `POST /api/jobs` body. */
export const CreateJobBody = Type.Object(
  {
    title: Title,
    description: Description,
    category: Category,
    skills: Skills,
    budget: BudgetInput,
    duration: Type.Optional(DurationSchema),
    experienceLevel: Type.Optional(ExperienceLevelSchema),
    visibility: Type.Optional(VisibilitySchema),
    attachments: Type.Optional(Attachments),
    openings: Type.Optional(Openings),
    draft: Type.Optional(
      Type.Boolean({ description: 'true keeps the job a draft until POST /api/jobs/:id/publish' }),
    ),
  },
  { additionalProperties: false },
)
export type CreateJobBody = Static<typeof CreateJobBody>

/** `PATCH /api/jobs/:id` body: any job field; `version` (optional) must equal the stored one. */
export const UpdateJobBody = Type.Object(
  {
    title: Type.Optional(Title),
    description: Type.Optional(Description),
    category: Type.Optional(Category),
    skills: Type.Optional(Skills),
    budget: Type.Optional(BudgetInput),
    duration: Type.Optional(Type.Union([DurationSchema, Type.Null()])),
    experienceLevel: Type.Optional(Type.Union([ExperienceLevelSchema, Type.Null()])),
    visibility: Type.Optional(VisibilitySchema),
    attachments: Type.Optional(Attachments),
    openings: Type.Optional(Openings),
    version: Type.Optional(
      Type.Integer({ minimum: 0, description: 'the version last read; 409 when stale' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type UpdateJobBody = Static<typeof UpdateJobBody>

/** `POST /api/jobs/:id/close` and `/cancel` body (optional). */
export const CloseJobBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
)

/** `GET /api/jobs` query. */
export const SearchJobsQuery = Type.Object({
  q: Type.Optional(
    Type.String({ maxLength: 200, description: 'words matched against title, skills and description' }),
  ),
  category: Type.Optional(Category),
  skills: Type.Optional(
    Type.Array(Type.String({ maxLength: 200 }), {
      maxItems: 20,
      description: 'jobs listing any of these skills; repeat the parameter or separate with commas',
    }),
  ),
  budgetMin: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: MONEY_CEILING_MINOR,
      description: 'minor units; fixed amount or hourly max ≥ this',
    }),
  ),
  budgetMax: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: MONEY_CEILING_MINOR,
      description: 'minor units; fixed amount or hourly min ≤ this',
    }),
  ),
  type: Type.Optional(Type.Enum(['fixed', 'hourly'])),
  currency: Type.Optional(Currency),
  status: Type.Optional(JobStatusSchema),
  sort: Type.Optional(Type.Enum(['newest', 'budget_desc', 'budget_asc', 'relevance'])),
  ...PageQuery.properties,
})
export type SearchJobsQuery = Static<typeof SearchJobsQuery>

/** `GET /api/jobs/mine` query. */
export const MyJobsQuery = Type.Object({ status: Type.Optional(JobStatusSchema), ...PageQuery.properties })

const JobPage = Page(JobView)

/** Route schema of `GET /api/jobs/categories`. */
export const CategoriesSchema = {
  summary: 'List the job categories',
  tags,
  security: bearer,
  response: {
    200: Type.Object({ items: Type.Array(Type.Object({ slug: Type.String(), label: Type.String() })) }),
  },
}

/** Route schema of `POST /api/jobs`. */
export const CreateJobSchema = {
  summary: 'Post a job (verified hirers); `draft: true` saves it unpublished',
  tags,
  security: bearer,
  body: CreateJobBody,
  response: { 201: JobView },
}

/** How a hirer's suspension is named in route descriptions. */
const SUSPENDED_HIRER = "A suspended hirer (auth's UserSuspended, until UserReinstated)"

/** Route schema of `GET /api/jobs`. */
export const SearchJobsSchema = {
  summary: 'Browse and search jobs (open by default; drafts only your own)',
  description:
    'Lists public jobs (drafts: only your own). ' +
    SUSPENDED_HIRER +
    ' has every job left out of this list, whatever the filters, q and sort, until reinstated.',
  tags,
  security: bearer,
  querystring: SearchJobsQuery,
  response: { 200: JobPage },
}

/** Route schema of `GET /api/jobs/mine`. */
export const MyJobsSchema = {
  summary: "The hirer's own jobs, any status",
  tags,
  security: bearer,
  querystring: MyJobsQuery,
  response: { 200: JobPage },
}

/** Route schema of `GET /api/jobs/:id`. */
export const GetJobSchema = {
  summary:
    'Read a job (a draft only by its hirer; an invite-only job by its hirer, admins, invited workers and applicants)',
  description:
    SUSPENDED_HIRER +
    "'s published jobs are seen only by the hirer, admins and workers who applied; everyone else gets 404 JOB_ERR_JOB_NOT_FOUND, as for an unknown id, until reinstated.",
  tags,
  security: bearer,
  params: IdParams,
  response: { 200: JobView },
}

/** Route schema of `PATCH /api/jobs/:id`. */
export const UpdateJobSchema = {
  summary: 'Edit a draft or open job (its hirer)',
  tags,
  security: bearer,
  params: IdParams,
  body: UpdateJobBody,
  response: { 200: JobView },
}

/** Route schema of `POST /api/jobs/:id/publish`. */
export const PublishJobSchema = {
  summary: 'Publish a draft (draft → open)',
  tags,
  security: bearer,
  params: IdParams,
  response: { 200: JobView },
}

/** Route schema of `POST /api/jobs/:id/close`. */
export const CloseJobSchema = {
  summary: 'Stop taking applications (open → closed); pending applications are rejected',
  tags,
  security: bearer,
  params: IdParams,
  body: CloseJobBody,
  response: { 200: JobView },
}

/** Route schema of `POST /api/jobs/:id/cancel`. */
export const CancelJobSchema = {
  summary: 'Cancel a draft or open job; pending applications are rejected',
  tags,
  security: bearer,
  params: IdParams,
  body: CloseJobBody,
  response: { 200: JobView },
}
