/** `/api/chat/blocks…`, `/api/chat/reports`. */
import { authenticated, callerOf, type RoutePlugin } from '@kelmah/service-kit'
import { BlockSchema, ListBlocksSchema, ReportSchema, UnblockSchema } from '../schemas/chat.js'
import type { RouteOptions } from './context.js'

/** Block and report routes (all authenticated). */
export const safetyRoutes: RoutePlugin<RouteOptions> = authenticated((app, opts) => {
  app.post('/blocks/:userId', { schema: BlockSchema }, async (request, reply) => {
    const created = await opts.safety.block(callerOf(request).sub, request.params.userId)
    return reply.code(created ? 201 : 200).send({ userId: request.params.userId, blocked: true })
  })

  app.delete('/blocks/:userId', { schema: UnblockSchema }, async (request, reply) => {
    await opts.safety.unblock(callerOf(request).sub, request.params.userId)
    return reply.code(204).send(null)
  })

  app.get('/blocks', { schema: ListBlocksSchema }, async (request) => ({
    items: (await opts.safety.blockedBy(callerOf(request).sub)).map((u) => ({ userId: u })),
  }))

  app.post('/reports', { schema: ReportSchema }, async (request, reply) =>
    reply.code(201).send(await opts.safety.report(callerOf(request).sub, request.body)),
  )
  return Promise.resolve()
})
