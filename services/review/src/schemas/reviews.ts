/**
 * Route schemas of the review service (routes/*.ts): params, querystrings, bodies and responses.
 * Response schemas are also what keeps private fields (the outbox, versions, and for everyone but
 * admins the private note and the moderation record) out of answers.
 */
import { Id, ObjectIdString, Page, PageQuery, Problem } from '@kelmah/contracts'
import Type, { type Static, type TSchema } from 'typebox'

const DateTime = Type.String({ format: 'date-time' })
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()])
const bearer = [{ bearerAuth: [] }]
const Tags = { reviews: ['reviews'], moderation: ['moderation'] }

/** Problem responses a route may answer with. */
function problems(...statuses: number[]): Record<number, typeof Problem> {
  return Object.fromEntries(statuses.map((s) => [s, Problem]))
}

const Star = (description: string) => Type.Integer({ minimum: 1, maximum: 5, description })
const Side = Type.Enum(['hirer', 'worker'])
const Text = (max: number, description: string) =>
  Type.String({ minLength: 1, maxLength: max, pattern: '\\S', description })

/** A review's aspect ratings: any of the four, each an integer 1–5. */
export const AspectsSchema = Type.Object(
  {
    communication: Type.Optional(Star('communication, 1–5')),
    quality: Type.Optional(Star('quality of the work, 1–5')),
    timeliness: Type.Optional(Star('timeliness, 1–5')),
    professionalism: Type.Optional(Star('professionalism, 1–5')),
  },
  { additionalProperties: false },
)

/** A review as answered (services/views.ts). */
export const ReviewViewSchema = Type.Object({
  id: Type.String(),
  contractId: Type.String(),
  jobId: Type.String(),
  jobTitle: Nullable(Type.String()),
  authorId: Type.String(),
  authorName: Nullable(Type.String()),
  authorRole: Side,
  subjectId: Type.String(),
  subjectName: Nullable(Type.String()),
  subjectRole: Side,
  rating: Type.Integer({ minimum: 1, maximum: 5 }),
  aspects: Nullable(AspectsSchema),
  comment: Type.String(),
  status: Type.Enum(['awaiting_reveal', 'published', 'hidden'], {
    description:
      'awaiting_reveal: only its author (and admins) can see it; published: public; hidden by a moderator',
  }),
  createdAt: DateTime,
  revealedAt: Nullable(DateTime),
  reply: Nullable(Type.Object({ comment: Type.String(), createdAt: DateTime })),
  privateNote: Type.Optional(Nullable(Type.String({ description: 'admins only' }))),
  moderation: Type.Optional(
    Nullable(
      Type.Object(
        { hidden: Type.Boolean(), reason: Type.String(), by: Type.String(), at: DateTime },
        { description: 'admins only: the last hide or restore' },
      ),
    ),
  ),
})

const OneReview = Type.Object({ review: ReviewViewSchema })
const ReviewParams = Type.Object({ id: ObjectIdString }, { additionalProperties: false })

/** The body of `POST /api/reviews`. */
export const SubmitReviewBody = Type.Object(
  {
    contractId: Id,
    rating: Star('overall rating, an integer 1–5'),
    aspects: Type.Optional(AspectsSchema),
    comment: Type.String({ maxLength: 2000, description: 'public text, at most 2,000 characters' }),
    privateNote: Type.Optional(
      Type.String({
        maxLength: 1000,
        description:
          'feedback to the platform, at most 1,000 characters: never shown to the subject or the public, readable by admins',
      }),
    ),
  },
  { additionalProperties: false },
)
export type SubmitReviewBody = Static<typeof SubmitReviewBody>

/** `POST /api/reviews`. */
export const SubmitReviewSchema = {
  summary:
    'Review the other party of an ended contract (once; hidden until both reviewed or the window closes)',
  description:
    'Open from ContractCompleted (or ContractCancelled after a paid milestone) for REVIEW_WINDOW_DAYS. 403 REVIEW_ERR_NOT_A_PARTY; 409 REVIEW_ERR_ALREADY_REVIEWED, REVIEW_ERR_CONTRACT_NOT_ENDED, REVIEW_ERR_NOT_ELIGIBLE, REVIEW_ERR_WINDOW_CLOSED; 404 REVIEW_ERR_CONTRACT_NOT_FOUND. The second review reveals both at once (ReviewsRevealed).',
  tags: Tags.reviews,
  security: bearer,
  body: SubmitReviewBody,
  response: { 201: OneReview, ...problems(400, 401, 403, 404, 409) },
} as const

/** The querystring of `GET /api/reviews`. */
export const ListReviewsQuery = Type.Object(
  {
    ...PageQuery.properties,
    userId: Id,
    role: Type.Optional(
      Type.Enum(['hirer', 'worker'], { description: "the user's side in the reviewed contracts" }),
    ),
  },
  { additionalProperties: false },
)
export type ListReviewsQuery = Static<typeof ListReviewsQuery>

/** `GET /api/reviews`. */
export const ListReviewsSchema = {
  summary: 'The public reviews about a user, newest first (cursor pages)',
  description:
    'Revealed reviews only, without hidden ones; with the author’s display name and the job title.',
  tags: Tags.reviews,
  security: bearer,
  querystring: ListReviewsQuery,
  response: { 200: Page(ReviewViewSchema), ...problems(400, 401) },
} as const

/** `GET /api/reviews/written`. */
export const WrittenReviewsSchema = {
  summary: "The caller's own reviews in any state (also those still awaiting the reveal), newest first",
  tags: Tags.reviews,
  security: bearer,
  querystring: Type.Object({ ...PageQuery.properties }, { additionalProperties: false }),
  response: { 200: Page(ReviewViewSchema), ...problems(400, 401) },
} as const

/** A user's rating summary. */
export const SummarySchema = Type.Object({
  userId: Type.String(),
  count: Type.Integer({ minimum: 0 }),
  average: Type.Number({ minimum: 0, maximum: 5, description: 'plain mean, 2 decimals; 0 with no reviews' }),
  bayesianScore: Type.Number({
    minimum: 0,
    maximum: 5,
    description: 'for ranking: (C·m + sum) / (C + count)',
  }),
  distribution: Type.Object(
    {
      '1': Type.Integer({ minimum: 0 }),
      '2': Type.Integer({ minimum: 0 }),
      '3': Type.Integer({ minimum: 0 }),
      '4': Type.Integer({ minimum: 0 }),
      '5': Type.Integer({ minimum: 0 }),
    },
    { description: 'how many reviews gave each star' },
  ),
  aspects: Type.Object(
    {
      communication: Nullable(Type.Number()),
      quality: Nullable(Type.Number()),
      timeliness: Nullable(Type.Number()),
      professionalism: Nullable(Type.Number()),
    },
    { description: 'mean of each aspect over the reviews that rated it; null when none did' },
  ),
  sequence: Type.Integer({ minimum: 0, description: 'of the last RatingUpdated (0: none yet)' }),
  updatedAt: Nullable(DateTime),
})

/** `GET /api/reviews/summary`. */
export const SummaryRouteSchema = {
  summary: "A user's rating: count, average, distribution by star, per-aspect averages",
  tags: Tags.reviews,
  security: bearer,
  querystring: Type.Object({ userId: Id }, { additionalProperties: false }),
  response: { 200: SummarySchema, ...problems(400, 401) },
} as const

/** `GET /api/reviews/pending`. */
export const PendingSchema = {
  summary: "The caller's ended contracts still awaiting their review, soonest to close first",
  tags: Tags.reviews,
  security: bearer,
  response: {
    200: Type.Object({
      items: Type.Array(
        Type.Object({
          contractId: Type.String(),
          jobId: Type.String(),
          jobTitle: Nullable(Type.String()),
          role: Side,
          subjectId: Type.String({ description: 'whom the caller would review' }),
          subjectName: Nullable(Type.String()),
          closesAt: DateTime,
          timeLeftMs: Type.Integer({ minimum: 0 }),
        }),
      ),
    }),
    ...problems(401),
  },
} as const

/** `GET /api/reviews/:id`. */
export const GetReviewSchema = {
  summary:
    'One review: for its author always, for admins always (with the private note), for others once public',
  tags: Tags.reviews,
  security: bearer,
  params: ReviewParams,
  response: { 200: OneReview, ...problems(400, 401, 404) },
} as const

/** `POST /api/reviews/:id/reply`. */
export const ReplySchema = {
  summary: 'The subject replies once to a public review about them',
  tags: Tags.reviews,
  security: bearer,
  params: ReviewParams,
  body: Type.Object(
    { comment: Text(2000, 'the reply, 1–2,000 characters') },
    { additionalProperties: false },
  ),
  response: { 201: OneReview, ...problems(400, 401, 403, 404, 409) },
} as const

/** A report as answered. */
export const ReportViewSchema = Type.Object({
  id: Type.String(),
  reviewId: Type.String(),
  reporterId: Type.String(),
  reason: Type.String(),
  status: Type.Enum(['open', 'resolved', 'dismissed']),
  closedBy: Nullable(Type.String()),
  closedAt: Nullable(DateTime),
  note: Nullable(Type.String()),
  createdAt: DateTime,
  review: Type.Optional(Nullable(ReviewViewSchema)),
})
const OneReport = Type.Object({ report: ReportViewSchema })

/** `POST /api/reviews/:id/report`. */
export const ReportSchema = {
  summary: 'Report a review you can see (once per user and review)',
  tags: Tags.moderation,
  security: bearer,
  params: ReviewParams,
  body: Type.Object(
    { reason: Text(1000, 'what is wrong with it, 1–1,000 characters') },
    { additionalProperties: false },
  ),
  response: { 201: OneReport, ...problems(400, 401, 403, 404, 409) },
} as const

/** `GET /api/reviews/reports`. */
export const ListReportsSchema = {
  summary: "The admins' report queue, newest first, each with its review (admins only)",
  tags: Tags.moderation,
  security: bearer,
  querystring: Type.Object(
    {
      ...PageQuery.properties,
      status: Type.Optional(Type.Enum(['open', 'resolved', 'dismissed'], { default: 'open' })),
    },
    { additionalProperties: false },
  ),
  response: { 200: Page(ReportViewSchema), ...problems(400, 401, 403) },
} as const

/** `POST /api/reviews/reports/:id/resolve` and `/dismiss`. */
export const CloseReportSchema = (what: 'resolve' | 'dismiss') =>
  ({
    summary:
      what === 'resolve'
        ? 'Mark an open report resolved (admins only; hide the review separately)'
        : 'Dismiss an open report (admins only)',
    tags: Tags.moderation,
    security: bearer,
    params: Type.Object({ id: ObjectIdString }, { additionalProperties: false }),
    body: Type.Optional(
      Type.Object(
        {
          note: Type.Optional(
            Type.String({
              maxLength: 1000,
              description:
                "the admin's note; the reason of the decision's audit entry (GET /api/reviews/admin/audit)",
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    response: { 200: OneReport, ...problems(400, 401, 403, 404, 409) },
  }) as const

/** `POST /api/reviews/:id/hide` and `/restore`. */
export const ModerateSchema = (what: 'hide' | 'restore') =>
  ({
    summary:
      what === 'hide'
        ? "Hide a review from everyone but its author and admins; it leaves the subject's rating (admins only)"
        : "Restore a hidden review; it counts in the subject's rating again (admins only)",
    tags: Tags.moderation,
    security: bearer,
    params: ReviewParams,
    body: Type.Object(
      {
        reason: Text(
          1000,
          'why, 1–1,000 characters (kept on the review, admins see it; the reason of the audit entry, GET /api/reviews/admin/audit)',
        ),
      },
      { additionalProperties: false },
    ),
    response: { 200: OneReview, ...problems(400, 401, 403, 404, 409) },
  }) as const
