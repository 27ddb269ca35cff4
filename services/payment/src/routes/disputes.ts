/**
 * Dispute routes (services/disputes.ts): `POST /api/payments/disputes` (a party raises one),
 * `GET /api/payments/disputes/:id` (the parties and admins), `GET /api/payments/disputes` (the
 * admins' queue; also at `GET /api/payments/admin/disputes`) and `POST /api/payments/disputes/:id/resolve` (an admin settles the escrow).
 * Every route authenticates; strangers get 404s, non-admins on admin routes 403s.
 */
import { authenticated, requireRole } from '@kelmah/service-kit'
import {
  GetDisputeSchema,
  ListDisputesSchema,
  RaiseDisputeSchema,
  ResolveDisputeSchema,
} from '../schemas/disputes.js'
import { callerOf, eventContextOf, type PaymentRoutePlugin } from './context.js'

/** The dispute routes. */
export const disputeRoutes: PaymentRoutePlugin = authenticated(async (app, { disputes }) => {
  app.post('/api/payments/disputes', { schema: RaiseDisputeSchema }, async (request, reply) => {
    const dispute = await disputes.raise(callerOf(request), request.body, eventContextOf(request))
    return reply.code(201).send({ dispute })
  })

  // The queue at its first path and under the admin surface (`/api/payments/admin/*`, with the
  // audit log), the same route twice.
  for (const path of ['/api/payments/disputes', '/api/payments/admin/disputes']) {
    app.get(path, { schema: ListDisputesSchema }, async (request) =>
      disputes.list(callerOf(request), request.query),
    )
  }

  app.get('/api/payments/disputes/:id', { schema: GetDisputeSchema }, async (request) => ({
    dispute: await disputes.get(callerOf(request), request.params.id),
  }))

  app.post(
    '/api/payments/disputes/:id/resolve',
    { schema: ResolveDisputeSchema, preHandler: requireRole('admin') },
    async (request) => ({
      dispute: await disputes.resolve(
        callerOf(request),
        request.params.id,
        request.body,
        eventContextOf(request),
      ),
    }),
  )
})
