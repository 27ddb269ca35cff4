/** `/api/chat/conversations…`, `/api/chat/messages/:id`, `/api/chat/unread-count`. */
import { authenticated, callerOf, eventContextOf, type RoutePlugin } from '@kelmah/service-kit'
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
import type { RouteOptions } from './context.js'

/** Conversation and message routes (all authenticated). */
export const conversationRoutes: RoutePlugin<RouteOptions> = authenticated((app, opts) => {
  const { conversations, messages, receipts, edits } = opts.chat

  app.post('/conversations', { schema: CreateConversationSchema }, async (request, reply) => {
    const me = callerOf(request).sub
    const { conversation, created } = await conversations.findOrCreate(
      me,
      request.body.participantId,
      request.body.jobId ?? null,
      me,
      eventContextOf(request),
    )
    // A conversation created now is the stored document: no read back.
    return reply.code(created ? 201 : 200).send(await conversations.view(conversation, me, created))
  })

  app.get('/conversations', { schema: ListConversationsSchema }, async (request) =>
    conversations.list(callerOf(request).sub, {
      limit: request.query.limit ?? 20,
      ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
    }),
  )

  app.get('/conversations/:id', { schema: GetConversationSchema }, async (request) => {
    const me = callerOf(request).sub
    return conversations.view(await conversations.currentOf(request.params.id, me), me, true)
  })

  app.get('/conversations/:id/messages', { schema: HistorySchema }, async (request) =>
    messages.history(request.params.id, callerOf(request).sub, {
      limit: request.query.limit ?? 50,
      ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
    }),
  )

  app.post('/conversations/:id/messages', { schema: SendMessageSchema }, async (request, reply) => {
    const me = callerOf(request).sub
    const conv = await conversations.conversationOf(request.params.id, me)
    const { message, duplicate } = await messages.sendText(
      conv,
      me,
      request.body.content,
      request.body.clientId ?? null,
      eventContextOf(request),
    )
    return reply.code(duplicate ? 200 : 201).send(message)
  })

  app.post('/conversations/:id/read', { schema: ReadConversationSchema }, async (request) =>
    receipts.markConversationRead(request.params.id, callerOf(request).sub),
  )

  app.patch('/messages/:id', { schema: EditMessageSchema }, async (request) =>
    edits.edit(callerOf(request).sub, request.params.id, request.body.content),
  )

  app.delete('/messages/:id', { schema: DeleteMessageSchema }, async (request, reply) => {
    await edits.remove(callerOf(request).sub, request.params.id)
    return reply.code(204).send(null)
  })

  app.get('/unread-count', { schema: UnreadSchema }, async (request) =>
    receipts.unreadCounts(callerOf(request).sub),
  )
  return Promise.resolve()
})
