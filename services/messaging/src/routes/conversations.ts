/** `/api/chat/conversations…`, `/api/chat/messages/:id`, `/api/chat/unread-count`. */
import type { KelmahApp } from '@kelmah/service-kit'
import {
  CreateConversationSchema,
  DeleteMessageSchema,
  EditMessageSchema,
  GetConversationSchema,
  HistorySchema,
  ListConversationsSchema,
  ReadConversationSchema,
  SendMessageSchema,
  UnreadSchema,
} from '../schemas/chat.js'
import { userId, type RouteOptions } from './context.js'

/** Conversation and message routes. */
export async function conversationRoutes(app: KelmahApp, opts: RouteOptions): Promise<void> {
  const { chat } = opts
  app.addHook('preHandler', app.authenticate)

  app.post('/conversations', { schema: CreateConversationSchema }, async (request, reply) => {
    const me = userId(request)
    const { conversation, created } = await chat.findOrCreate(
      me,
      request.body.participantId,
      request.body.jobId ?? null,
      me,
      { correlationId: request.id },
    )
    return reply.code(created ? 201 : 200).send(await chat.conversationView(conversation, me))
  })

  app.get('/conversations', { schema: ListConversationsSchema }, async (request) =>
    chat.listConversations(userId(request), {
      limit: request.query.limit ?? 20,
      ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
    }),
  )

  app.get('/conversations/:id', { schema: GetConversationSchema }, async (request) => {
    const me = userId(request)
    return chat.conversationView(await chat.conversationOf(request.params.id, me), me)
  })

  app.get('/conversations/:id/messages', { schema: HistorySchema }, async (request) =>
    chat.history(request.params.id, userId(request), {
      limit: request.query.limit ?? 50,
      ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
    }),
  )

  app.post('/conversations/:id/messages', { schema: SendMessageSchema }, async (request, reply) => {
    const me = userId(request)
    const conv = await chat.conversationOf(request.params.id, me)
    const { message, duplicate } = await chat.sendText(
      conv,
      me,
      request.body.content,
      request.body.clientId ?? null,
      { correlationId: request.id },
    )
    return reply.code(duplicate ? 200 : 201).send(message)
  })

  app.post('/conversations/:id/read', { schema: ReadConversationSchema }, async (request) =>
    chat.markConversationRead(request.params.id, userId(request)),
  )

  app.patch('/messages/:id', { schema: EditMessageSchema }, async (request) =>
    chat.edit(userId(request), request.params.id, request.body.content),
  )

  app.delete('/messages/:id', { schema: DeleteMessageSchema }, async (request, reply) => {
    await chat.remove(userId(request), request.params.id)
    return reply.code(204).send(null)
  })

  app.get('/unread-count', { schema: UnreadSchema }, async (request) => chat.unreadCounts(userId(request)))
}
