/** Route schemas of `/api/chat` (TypeBox; responses also stop private fields leaking). */
import { Id, Page, PageQuery, Problem } from '@kelmah/contracts'
import Type from 'typebox'

/** Bearer-token security requirement for OpenAPI. */
export const bearer = [{ bearerAuth: [] }]
const tags = ['chat']

const Iso = Type.String({ description: 'ISO-8601 time' })
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

/** A message. */
export const MessageSchema = Type.Object(
  {
    id: Type.String(),
    conversationId: Type.String(),
    senderId: Type.String({ description: 'user id, or `system`' }),
    content: Type.String({ description: 'text as sent; empty once deleted' }),
    type: Type.Enum(['text', 'system', 'attachment', 'call']),
    createdAt: Iso,
    readAt: Nullable(Iso),
    kind: Nullable(
      Type.String({
        description:
          'system: contract_signed, milestone_funded, payment_released, dispute_raised, job_update; call: the outcome',
      }),
    ),
    editedAt: Nullable(Iso),
    deleted: Type.Boolean(),
    removed: Type.Boolean({ description: 'removed by an admin (a report resolved with remove_message)' }),
    attachment: Nullable(
      Type.Object({
        id: Type.String(),
        filename: Type.String(),
        contentType: Type.String(),
        size: Type.Integer(),
      }),
    ),
    call: Nullable(
      Type.Object({
        callId: Type.String(),
        callerId: Type.String(),
        media: Type.String(),
        outcome: Type.String(),
        startedAt: Iso,
        answeredAt: Nullable(Iso),
        endedAt: Iso,
        durationS: Type.Integer(),
        endReason: Type.String(),
      }),
    ),
    clientId: Nullable(Type.String()),
  },
  { additionalProperties: false },
)

/** A conversation as one participant sees it. */
export const ConversationSchema = Type.Object(
  {
    id: Type.String(),
    participantIds: Type.Array(Type.String()),
    otherParticipantId: Type.String(),
    jobId: Nullable(Type.String()),
    createdAt: Iso,
    lastActivityAt: Iso,
    lastMessage: Nullable(
      Type.Object({
        id: Type.String(),
        senderId: Type.String(),
        type: Type.String(),
        preview: Type.String(),
        createdAt: Iso,
      }),
    ),
    unreadCount: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
)

const IdParams = Type.Object({ id: Id })

/** Problem responses (application/problem+json, `code` from src/errors.ts) a route may answer with. */
function problems(...statuses: number[]): Record<number, typeof Problem> {
  return Object.fromEntries(statuses.map((s) => [s, Problem]))
}

/** `POST /conversations`. */
export const CreateConversationSchema = {
  summary: 'Open the conversation with a user (optionally about a job); returns the existing one if any',
  description:
    'A new conversation needs `participantId` to be an active user known from `UserRegistered` ' +
    '(404 `MSG_ERR_USER_NOT_FOUND`; a user who registered moments ago is known within seconds), ' +
    'and a `jobId` to be a job whose hirer is one of the two and of which the other applied or ' +
    'holds the contract (404 `MSG_ERR_JOB_NOT_FOUND`, also for an unknown job).',
  tags,
  security: bearer,
  body: Type.Object({ participantId: Id, jobId: Type.Optional(Id) }, { additionalProperties: false }),
  response: { 200: ConversationSchema, 201: ConversationSchema, ...problems(400, 401, 404) },
}

/** `GET /conversations`. */
export const ListConversationsSchema = {
  summary: "The caller's conversations, most recent activity first",
  description:
    "Each conversation's place and `lastMessage` follow its newest message: a message is stored when its send answers, and the list moves to it just after. The instance that stored it lists it at once; with several messaging instances another may list the previous message for a few milliseconds (live clients also get `new_message`).",
  tags,
  security: bearer,
  querystring: PageQuery,
  response: { 200: Page(ConversationSchema) },
}

/** `GET /conversations/:id`. */
export const GetConversationSchema = {
  summary: 'One conversation',
  tags,
  security: bearer,
  params: IdParams,
  response: { 200: ConversationSchema },
}

/** `GET /conversations/:id/messages`. */
export const HistorySchema = {
  summary: "A conversation's messages, newest first",
  tags,
  security: bearer,
  params: IdParams,
  querystring: Type.Object({
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 500 })),
  }),
  response: { 200: Page(MessageSchema) },
}

/** `POST /conversations/:id/messages`. */
export const SendMessageSchema = {
  summary: 'Send a text message (a repeated clientId returns the first message, 200)',
  description:
    '403 `MSG_ERR_BLOCKED` when the recipient blocked the caller, 409 `MSG_ERR_RECIPIENT_INACTIVE` ' +
    'when their account is deactivated or suspended, 429 `MSG_ERR_RATE_LIMITED` with `Retry-After`.',
  tags,
  security: bearer,
  params: IdParams,
  body: Type.Object(
    { content: Type.String(), clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) },
    { additionalProperties: false },
  ),
  response: { 200: MessageSchema, 201: MessageSchema, ...problems(400, 401, 403, 404, 409, 429) },
}

/** `POST /conversations/:id/read`. */
export const ReadConversationSchema = {
  summary: 'Mark every message to the caller in the conversation as read',
  tags,
  security: bearer,
  params: IdParams,
  response: { 200: Type.Object({ messageIds: Type.Array(Type.String()), readAt: Iso }) },
}

/** `PATCH /messages/:id`. */
export const EditMessageSchema = {
  summary: "Edit one's own message",
  tags,
  security: bearer,
  params: IdParams,
  body: Type.Object({ content: Type.String() }, { additionalProperties: false }),
  response: { 200: MessageSchema },
}

/** `DELETE /messages/:id`. */
export const DeleteMessageSchema = {
  summary: "Delete one's own message for everyone",
  tags,
  security: bearer,
  params: IdParams,
  response: { 204: Type.Null() },
}

/** `GET /unread-count`. */
export const UnreadSchema = {
  summary: 'Unread messages: total and per conversation',
  tags,
  security: bearer,
  response: {
    200: Type.Object({
      total: Type.Integer(),
      conversations: Type.Array(Type.Object({ conversationId: Type.String(), count: Type.Integer() })),
    }),
  },
}

const UserParams = Type.Object({ userId: Id })

/** `POST /blocks/:userId`. */
export const BlockSchema = {
  summary: 'Block a user: they can no longer message or call you',
  description:
    'The user must be known from `UserRegistered` (404 `MSG_ERR_USER_NOT_FOUND`); deactivated users count.',
  tags,
  security: bearer,
  params: UserParams,
  response: {
    200: Type.Object({ userId: Type.String(), blocked: Type.Boolean() }),
    201: Type.Object({ userId: Type.String(), blocked: Type.Boolean() }),
    ...problems(400, 401, 404),
  },
}

/** `DELETE /blocks/:userId`. */
export const UnblockSchema = {
  summary: 'Lift a block',
  tags,
  security: bearer,
  params: UserParams,
  response: { 204: Type.Null() },
}

/** `GET /blocks`. */
export const ListBlocksSchema = {
  summary: 'The users the caller blocked',
  tags,
  security: bearer,
  response: { 200: Type.Object({ items: Type.Array(Type.Object({ userId: Type.String() })) }) },
}

/** `POST /reports`. */
export const ReportSchema = {
  summary: 'Report a user or a message (kept for admin review)',
  description:
    'A `userId` must be known from `UserRegistered` (404 `MSG_ERR_USER_NOT_FOUND`; deactivated users ' +
    'count); a `messageId` must be a message the caller can see, not a system message.',
  tags,
  security: bearer,
  body: Type.Object(
    {
      userId: Type.Optional(Id),
      messageId: Type.Optional(Id),
      reason: Type.Enum(['spam', 'harassment', 'scam', 'inappropriate', 'other']),
      details: Type.Optional(Type.String({ maxLength: 2000 })),
    },
    { additionalProperties: false },
  ),
  response: {
    201: Type.Object({
      id: Type.String(),
      userId: Type.String(),
      messageId: Nullable(Type.String()),
      reason: Type.String(),
      status: Type.String(),
      createdAt: Iso,
    }),
    ...problems(400, 401, 404),
  },
}

/** `POST /conversations/:id/attachments`. */
export const UploadSchema = {
  summary: 'Send a file (raw body; Content-Type from the allow-list) as an attachment message',
  tags,
  security: bearer,
  params: IdParams,
  querystring: Type.Object({
    filename: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    caption: Type.Optional(Type.String({ maxLength: 5000 })),
  }),
  response: { 201: MessageSchema, ...problems(400, 401, 403, 404, 409, 413, 415, 429) },
}

/** `GET /attachments/:id`. */
export const DownloadSchema = {
  summary: 'Download an attachment (participants only)',
  tags,
  security: bearer,
  params: IdParams,
}
