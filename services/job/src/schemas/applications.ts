/** Route schemas of applications: `/api/jobs/:id/applications` and `/api/applications/**`. */
import { Page, PageQuery, PositiveMoney } from '@kelmah/contracts'
import Type, { type Static } from 'typebox'
import { ApplicationStatusSchema, ApplicationView, bearer, IdParams, PositiveAmount } from './common.js'

const tags = ['applications']

/** `POST /api/jobs/:id/applications` body. */
export const ApplyBody = Type.Object(
  {
    coverLetter: Type.String({ minLength: 20, maxLength: 5000 }),
    bid: PositiveMoney,
    estimatedDays: Type.Integer({ minimum: 1, maximum: 3650 }),
    milestones: Type.Optional(
      Type.Array(
        Type.Object(
          {
            title: Type.String({ minLength: 1, maxLength: 150 }),
            amountMinor: PositiveAmount("minor units of the bid's currency"),
            dueDate: Type.Optional(Type.Union([Type.String({ format: 'date' }), Type.Null()])),
          },
          { additionalProperties: false },
        ),
        { maxItems: 20, description: 'must add up to bid.amountMinor' },
      ),
    ),
  },
  { additionalProperties: false },
)
export type ApplyBody = Static<typeof ApplyBody>

/** List query: optional status, cursor page. */
export const ApplicationsQuery = Type.Object({
  status: Type.Optional(ApplicationStatusSchema),
  ...PageQuery.properties,
})

const ApplicationPage = Page(ApplicationView)

/** Route schema of `POST /api/jobs/:id/applications`. */
export const ApplySchema = {
  summary: 'Apply to an open job (verified workers, once per job; an invite-only job only when invited)',
  description:
    "The job of a suspended hirer (auth's UserSuspended, until UserReinstated) takes no applications: 404 JOB_ERR_JOB_NOT_FOUND. A suspended worker cannot apply at all: auth has voided their tokens (401).",
  tags,
  security: bearer,
  params: IdParams,
  body: ApplyBody,
  response: { 201: ApplicationView },
}

/** Route schema of `GET /api/jobs/:id/applications`. */
export const JobApplicationsSchema = {
  summary: "The applications to one of the hirer's jobs",
  tags,
  security: bearer,
  params: IdParams,
  querystring: ApplicationsQuery,
  response: { 200: ApplicationPage },
}

/** Route schema of `GET /api/applications/mine`. */
export const MyApplicationsSchema = {
  summary: "The worker's own applications",
  tags,
  security: bearer,
  querystring: ApplicationsQuery,
  response: { 200: ApplicationPage },
}

/** Route schema of `GET /api/applications/:id`. */
export const GetApplicationSchema = {
  summary: "Read an application (its worker or the job's hirer)",
  tags,
  security: bearer,
  params: IdParams,
  response: { 200: ApplicationView },
}

const action = (summary: string) => ({
  summary,
  tags,
  security: bearer,
  params: IdParams,
  response: { 200: ApplicationView },
})

/** Route schema of `POST /api/applications/:id/shortlist`. */
export const ShortlistSchema = action('Shortlist an application (the hirer; pending → shortlisted)')
/** Route schema of `POST /api/applications/:id/reject`. */
export const RejectSchema = action('Reject an application (the hirer; pending | shortlisted → rejected)')
/** Route schema of `POST /api/applications/:id/withdraw`. */
export const WithdrawSchema = action(
  'Withdraw an application (the worker; pending | shortlisted → withdrawn)',
)
