/**
 * Escrow routes: `POST /api/payments/escrow` (fund a milestone), `GET /api/payments/escrow?contractId=`,
 * `GET /api/payments/escrow/:id`. Every route authenticates; strangers get 404s.
 */
import { authenticated, requireRole, requireVerifiedEmail } from '@kelmah/service-kit'
import { FundSchema, GetEscrowSchema, ListEscrowSchema } from '../schemas/escrow.js'
import { callerOf, eventContextOf, type PaymentRoutePlugin } from './context.js'

/** The escrow routes. */
export const escrowRoutes: PaymentRoutePlugin = authenticated(async (app, { funding }) => {
  app.post(
    '/api/payments/escrow',
    { schema: FundSchema, preHandler: [requireRole('hirer'), requireVerifiedEmail] },
    async (request, reply) => {
      const stored = await funding.fund(
        callerOf(request),
        request.body,
        request.headers['idempotency-key'],
        eventContextOf(request),
      )
      return reply.code(stored.status as 201).send(stored.body as never)
    },
  )

  app.get('/api/payments/escrow', { schema: ListEscrowSchema }, async (request) => ({
    items: await funding.list(callerOf(request), request.query.contractId),
  }))

  app.get('/api/payments/escrow/:id', { schema: GetEscrowSchema }, async (request) => ({
    escrow: await funding.get(callerOf(request), request.params.id),
  }))
})
