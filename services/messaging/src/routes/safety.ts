/** `/api/chat/blocks…`, `/api/chat/reports`. */
import type { KelmahApp } from '@kelmah/service-kit'
import { BlockSchema, ListBlocksSchema, ReportSchema, UnblockSchema } from '../schemas/chat.js'
import { userId, type RouteOptions } from './context.js'

/** Block and report routes. */
export async function safetyRoutes(app: KelmahApp, opts: RouteOptions): Promise<void> {
  app.addHook('preHandler', app.authenticate)

  app.post('/blocks/:userId', { schema: BlockSchema }, async (request, reply) => {
    const created = await opts.safety.block(userId(request), request.params.userId)
    return reply.code(created ? 201 : 200).send({ userId: request.params.userId, blocked: true })
  })

  app.delete('/blocks/:userId', { schema: UnblockSchema }, async (request, reply) => {
    await opts.safety.unblock(userId(request), request.params.userId)
    return reply.code(204).send(null)
  })

  app.get('/blocks', { schema: ListBlocksSchema }, async (request) => ({
    items: (await opts.safety.blockedBy(userId(request))).map((u) => ({ userId: u })),
  }))

  app.post('/reports', { schema: ReportSchema }, async (request, reply) =>
    reply.code(201).send(await opts.safety.report(userId(request), request.body)),
  )
}
