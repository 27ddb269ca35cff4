/**
 * Contract routes: `POST /api/applications/:id/accept` (the hire), `GET /api/contracts`,
 * `GET /api/contracts/:id`, `POST /api/contracts/:id/sign`, `POST /api/contracts/:id/cancel`,
 * and the milestone steps `POST /api/contracts/:id/milestones/:milestoneId/{submit,approve,request-revision}`.
 * Registered without a prefix (see `app.ts`). Every route authenticates; third parties get 404s.
 * A contract is answered as `{contract}`.
 */
import { authenticated, requireRole, requireVerifiedEmail } from '@kelmah/service-kit'
import {
  AcceptSchema,
  ApproveSchema,
  CancelSchema,
  GetContractSchema,
  ListContractsSchema,
  RequestRevisionSchema,
  SignSchema,
  SubmitSchema,
} from '../schemas/contracts.js'
import { toContractView } from '../services/views.js'
import { callerOf, eventContextOf, optionalBody, type JobRoutePlugin } from './context.js'

/** The contract routes. */
export const contractRoutes: JobRoutePlugin = authenticated(
  (app, { hiring, contracts, signing, cancellation, milestones }) => {
    app.post(
      '/api/applications/:id/accept',
      { schema: AcceptSchema, preHandler: [requireRole('hirer'), requireVerifiedEmail], ...optionalBody },
      async (request, reply) => {
        const contract = await hiring.accept(
          callerOf(request),
          request.params.id,
          request.body ?? {},
          eventContextOf(request),
        )
        return reply.code(201).send({ contract: toContractView(contract) })
      },
    )

    app.get('/api/contracts', { schema: ListContractsSchema }, async (request) => {
      const page = await contracts.list(callerOf(request), request.query)
      return { items: page.items.map(toContractView), nextCursor: page.nextCursor }
    })

    app.get('/api/contracts/:id', { schema: GetContractSchema }, async (request) => ({
      contract: toContractView(await contracts.get(callerOf(request), request.params.id)),
    }))

    app.post('/api/contracts/:id/sign', { schema: SignSchema }, async (request) => ({
      contract: toContractView(
        await signing.sign(callerOf(request), request.params.id, eventContextOf(request)),
      ),
    }))

    app.post(
      '/api/contracts/:id/cancel',
      { schema: CancelSchema, ...optionalBody },
      async (request, reply) => {
        const { contract, outcome } = await cancellation.cancel(
          callerOf(request),
          request.params.id,
          request.body?.reason,
          eventContextOf(request),
        )
        return reply.code(outcome === 'requested' ? 202 : 200).send({ contract: toContractView(contract) })
      },
    )

    app.post(
      '/api/contracts/:id/milestones/:milestoneId/submit',
      { schema: SubmitSchema },
      async (request) => ({
        contract: toContractView(
          await milestones.submit(
            callerOf(request),
            request.params.id,
            request.params.milestoneId,
            request.body,
            eventContextOf(request),
          ),
        ),
      }),
    )

    app.post(
      '/api/contracts/:id/milestones/:milestoneId/approve',
      { schema: ApproveSchema },
      async (request) => ({
        contract: toContractView(
          await milestones.approve(
            callerOf(request),
            request.params.id,
            request.params.milestoneId,
            eventContextOf(request),
          ),
        ),
      }),
    )

    app.post(
      '/api/contracts/:id/milestones/:milestoneId/request-revision',
      { schema: RequestRevisionSchema },
      async (request) => ({
        contract: toContractView(
          await milestones.requestRevision(
            callerOf(request),
            request.params.id,
            request.params.milestoneId,
            request.body.note,
          ),
        ),
      }),
    )
    return Promise.resolve()
  },
)
