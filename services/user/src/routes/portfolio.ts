/** `/me/portfolio`: the caller's portfolio items (workers). */
import { requireRole, type KelmahApp } from '@kelmah/service-kit'
import {
  CreatePortfolioItemSchema,
  DeletePortfolioItemSchema,
  ListPortfolioSchema,
  UpdatePortfolioItemSchema,
} from '../schemas/portfolio.js'
import { toPortfolioItemView } from '../services/views.js'
import { callerOf, eventContext, type RouteOptions } from './context.js'

/**
 * Portfolio CRUD. Only workers have a portfolio (403 for other roles). Authentication runs on
 * `onRequest`, before body validation, so a request without a token gets 401, not 400.
 */
export async function portfolioRoutes(app: KelmahApp, opts: RouteOptions): Promise<void> {
  const onRequest = [app.authenticate, requireRole('worker')]

  app.get('/me/portfolio', { schema: ListPortfolioSchema, onRequest }, async (request) => {
    const profile = await opts.profiles.ensure(callerOf(request), eventContext(request))
    return { items: profile.portfolio.map(toPortfolioItemView), nextCursor: null }
  })

  app.post('/me/portfolio', { schema: CreatePortfolioItemSchema, onRequest }, async (request, reply) => {
    const item = await opts.profiles.addPortfolioItem(callerOf(request), request.body, eventContext(request))
    return reply.code(201).send(toPortfolioItemView(item))
  })

  app.patch('/me/portfolio/:itemId', { schema: UpdatePortfolioItemSchema, onRequest }, async (request) => {
    const item = await opts.profiles.updatePortfolioItem(
      callerOf(request),
      request.params.itemId,
      request.body,
      eventContext(request),
    )
    return toPortfolioItemView(item)
  })

  app.delete(
    '/me/portfolio/:itemId',
    { schema: DeletePortfolioItemSchema, onRequest },
    async (request, reply) => {
      await opts.profiles.deletePortfolioItem(callerOf(request), request.params.itemId, eventContext(request))
      return reply.code(204).send(null)
    },
  )
}
