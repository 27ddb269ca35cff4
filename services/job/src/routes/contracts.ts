/**
 * Contract routes: `POST /api/applications/:id/accept` (the hire), `GET /api/contracts`,
 * `GET /api/contracts/:id`, `POST /api/contracts/:id/sign`, `POST /api/contracts/:id/cancel`,
 * and the milestone steps `POST /api/contracts/:id/milestones/:milestoneId/{submit,approve,request-revision}`.
 * Registered without a prefix (see `app.ts`). Every route authenticates; third parties get 404s.
 */
import { requireRole, requireVerifiedEmail, type KelmahApp } from '@kelmah/service-kit'
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
import type { Contracts } from '../services/contracts.js'
import { eventContext, userOf } from './context.js'

/** Options of {@link contractRoutes}. */
export interface ContractRouteOptions {
  contracts: Contracts
}

/** The contract routes. */
export async function contractRoutes(app: KelmahApp, opts: ContractRouteOptions): Promise<void> {
  const { contracts } = opts
  const authed = { preHandler: [app.authenticate] }
  // An empty (or absent) body validates as `{}`.
  const optionalBody = {
    preValidation: async (request: { body: unknown }) => {
      request.body ??= {}
    },
  }

  app.post(
    '/api/applications/:id/accept',
    {
      schema: AcceptSchema,
      preHandler: [app.authenticate, requireRole('hirer'), requireVerifiedEmail],
      ...optionalBody,
    },
    async (request, reply) => {
      const contract = await contracts.accept(
        userOf(request),
        request.params.id,
        request.body ?? {},
        eventContext(request),
      )
      return reply.code(201).send({ contract })
    },
  )

  app.get('/api/contracts', { schema: ListContractsSchema, ...authed }, async (request) =>
    contracts.list(userOf(request), request.query),
  )

  app.get('/api/contracts/:id', { schema: GetContractSchema, ...authed }, async (request) => ({
    contract: await contracts.get(userOf(request), request.params.id),
  }))

  app.post('/api/contracts/:id/sign', { schema: SignSchema, ...authed }, async (request) => ({
    contract: await contracts.sign(userOf(request), request.params.id, eventContext(request)),
  }))

  app.post(
    '/api/contracts/:id/cancel',
    { schema: CancelSchema, ...authed, ...optionalBody },
    async (request, reply) => {
      const { contract, outcome } = await contracts.cancel(
        userOf(request),
        request.params.id,
        request.body?.reason,
        eventContext(request),
      )
      return reply.code(outcome === 'requested' ? 202 : 200).send({ contract })
    },
  )

  app.post(
    '/api/contracts/:id/milestones/:milestoneId/submit',
    { schema: SubmitSchema, ...authed },
    async (request) => ({
      contract: await contracts.submit(
        userOf(request),
        request.params.id,
        request.params.milestoneId,
        request.body,
        eventContext(request),
      ),
    }),
  )

  app.post(
    '/api/contracts/:id/milestones/:milestoneId/approve',
    { schema: ApproveSchema, ...authed },
    async (request) => ({
      contract: await contracts.approve(
        userOf(request),
        request.params.id,
        request.params.milestoneId,
        eventContext(request),
      ),
    }),
  )

  app.post(
    '/api/contracts/:id/milestones/:milestoneId/request-revision',
    { schema: RequestRevisionSchema, ...authed },
    async (request) => ({
      contract: await contracts.requestRevision(
        userOf(request),
        request.params.id,
        request.params.milestoneId,
        request.body.note,
        eventContext(request),
      ),
    }),
  )
}
