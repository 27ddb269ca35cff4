/**
 * Review routes (services/reviews.ts): write one, read them (one, about a user, the caller's
 * own, the caller's pending contracts, a user's summary) and reply. Every route authenticates;
 * a review the caller may not see yet is a 404, exactly like one that does not exist.
 */
import { authenticated } from '@kelmah/service-kit'
import {
  GetReviewSchema,
  ListReviewsSchema,
  PendingSchema,
  ReplySchema,
  SubmitReviewSchema,
  SummaryRouteSchema,
  WrittenReviewsSchema,
} from '../schemas/reviews.js'
import { callerOf, eventContextOf, type ReviewRoutePlugin } from './context.js'

/** The review routes. */
export const reviewRoutes: ReviewRoutePlugin = authenticated(async (app, { reviews, ratings }) => {
  app.post('/api/reviews', { schema: SubmitReviewSchema }, async (request, reply) => {
    const review = await reviews.submit(callerOf(request), request.body, eventContextOf(request))
    return reply.code(201).send({ review })
  })

  app.get('/api/reviews', { schema: ListReviewsSchema }, async (request) =>
    reviews.about(callerOf(request), request.query),
  )

  app.get('/api/reviews/written', { schema: WrittenReviewsSchema }, async (request) =>
    reviews.written(callerOf(request), request.query),
  )

  app.get('/api/reviews/summary', { schema: SummaryRouteSchema }, async (request) =>
    ratings.summary(request.query.userId),
  )

  app.get('/api/reviews/pending', { schema: PendingSchema }, async (request) =>
    reviews.pending(callerOf(request)),
  )

  app.get('/api/reviews/:id', { schema: GetReviewSchema }, async (request) => ({
    review: await reviews.get(callerOf(request), request.params.id),
  }))

  app.post('/api/reviews/:id/reply', { schema: ReplySchema }, async (request, reply) => {
    const review = await reviews.reply(callerOf(request), request.params.id, request.body.comment)
    return reply.code(201).send({ review })
  })
})
