/** `/me/portfolio`: the caller's portfolio items (workers). */
import { callerOf, eventContextOf, requireRole, authenticated } from '@kelmah/service-kit'
import {
  CreatePortfolioItemSchema,
  DeletePortfolioItemSchema,
  ListPortfolioSchema,
  UpdatePortfolioItemSchema,
} from '../schemas/portfolio.js'
import { toPortfolioItemView } from '../services/views.js'
import type { RouteOptions } from './context.js'

/**
 * Portfolio CRUD. Only workers have a portfolio (403 for other roles). All behind
 * `authenticated`: authentication runs on `onRequest`, before body validation, so a request
 * without a token gets 401, not 400; the role check follows it.
 */
export const portfolioRoutes = authenticated<RouteOptions>((app, opts) => {
  const onRequest = requireRole('worker')

  app.get('/me/portfolio', { schema: ListPortfolioSchema, onRequest }, async (request) => {
    const profile = await opts.profiles.ensure(callerOf(request), eventContextOf(request))
    return { items: profile.portfolio.map(toPortfolioItemView), nextCursor: null }
  })

  app.post('/me/portfolio', { schema: CreatePortfolioItemSchema, onRequest }, async (request, reply) => {
    const item = await opts.portfolio.add(callerOf(request), request.body, eventContextOf(request))
    return reply.code(201).send(toPortfolioItemView(item))
  })

  app.patch('/me/portfolio/:itemId', { schema: UpdatePortfolioItemSchema, onRequest }, async (request) => {
    const item = await opts.portfolio.update(
      callerOf(request),
      request.params.itemId,
      request.body,
      eventContextOf(request),
    )
    return toPortfolioItemView(item)
  })

  app.delete(
    '/me/portfolio/:itemId',
    { schema: DeletePortfolioItemSchema, onRequest },
    async (request, reply) => {
      await opts.portfolio.delete(callerOf(request), request.params.itemId, eventContextOf(request))
      return reply.code(204).send(null)
    },
  )
  return Promise.resolve()
})
