/**
 * Chat use cases: conversations (find or create, list, read), messages (send, system, call logs,
 * edit, delete, read receipts) and unread counts. Every method that takes a user checks that the
 * user takes part in the conversation; a stranger gets the same 404 as an unknown id.
 *
 * Events ride in the inserted document's outbox; live frames go out through {@link Push} after
 * the write is durable.
 */
import { noteOutboxWrite, toOutbox } from '@kelmah/bus'
import {
  afterPosition,
  BadRequest,
  decodeCursor,
  pageOf,
  withFields,
  type CursorValue,
} from '@kelmah/service-kit'
import { Types, type Model } from 'mongoose'
import {
  canonicalPair,
  contentProblem,
  conversationKey,
  otherParticipant,
  previewOf,
} from '../domain/conversation.js'
import {
  BadContent,
  Blocked,
  ConversationNotFound,
  MessageImmutable,
  MessageNotFound,
  NotSender,
  RateLimited,
  SelfConversation,
} from '../errors.js'
import { conversationCreated, messageSent, type EventContext } from '../events/publishers.js'
import type { ConversationDoc } from '../models/conversation.js'
import type { AttachmentRef, CallLog, MessageDoc, MessageType } from '../models/message.js'
import type { Push } from './push.js'
import type { MessageRateLimit } from './rate-limit.js'
import type { Safety } from './safety.js'
import { withRetryAfter } from '@kelmah/service-kit'

/** A message as the API and the socket show it. */
export interface MessageView {
  id: string
  conversationId: string
  senderId: string
  content: string
  type: MessageType
  createdAt: string
  readAt: string | null
  kind: string | null
  editedAt: string | null
  deleted: boolean
  attachment: AttachmentRef | null
  call:
    | (Omit<CallLog, 'startedAt' | 'answeredAt' | 'endedAt'> & {
        startedAt: string
        answeredAt: string | null
        endedAt: string
      })
    | null
  clientId: string | null
}

/** A conversation as its participant sees it. */
export interface ConversationView {
  id: string
  participantIds: string[]
  otherParticipantId: string
  jobId: string | null
  createdAt: string
  lastActivityAt: string
  lastMessage: { id: string; senderId: string; type: string; preview: string; createdAt: string } | null
  unreadCount: number
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null)

/** The API view of a stored message. */
export function messageView(m: MessageDoc): MessageView {
  return {
    id: m._id.toHexString(),
    conversationId: m.conversationId,
    senderId: m.senderId,
    content: m.deletedAt ? '' : m.content,
    type: m.type,
    createdAt: m.createdAt.toISOString(),
    readAt: iso(m.readAt),
    kind: m.kind ?? null,
    editedAt: iso(m.editedAt),
    deleted: Boolean(m.deletedAt),
    attachment: m.deletedAt ? null : (m.attachment ?? null),
    call: m.call
      ? {
          ...m.call,
          startedAt: new Date(m.call.startedAt).toISOString(),
          answeredAt: iso(m.call.answeredAt ? new Date(m.call.answeredAt) : null),
          endedAt: new Date(m.call.endedAt).toISOString(),
        }
      : null,
    clientId: m.clientId ?? null,
  }
}

/** A 24-hex ObjectId, or undefined for anything else (unknown ids are 404s, not 400s). */
export function objectIdOf(id: string): Types.ObjectId | undefined {
  return /^[0-9a-f]{24}$/i.test(id) ? new Types.ObjectId(id) : undefined
}

/** A keyset cursor `[ISO date, ObjectId hex]`, decoded and checked. @throws BadRequest naming `cursor` */
function dateIdCursor(cursor: string | undefined): { at: Date; id: Types.ObjectId } | undefined {
  const pos = decodeCursor(cursor, 2)
  if (!pos) return undefined
  const at = typeof pos[0] === 'string' ? new Date(pos[0]) : undefined
  const id = typeof pos[1] === 'string' ? objectIdOf(pos[1]) : undefined
  if (!at || Number.isNaN(at.getTime()) || !id) {
    throw withFields(new BadRequest('the cursor is not valid for this list'), [
      { field: 'cursor', message: 'is not a cursor returned by this list', in: 'querystring' },
    ])
  }
  return { at, id }
}

/** What {@link Chat} needs. */
export interface ChatDeps {
  Conversation: Model<ConversationDoc>
  Message: Model<MessageDoc>
  push: Push
  safety: Safety
  rateLimit: MessageRateLimit
  kickOutbox: () => void
  maxChars: number
  now?: () => number
}

/** Who sends, from where. */
export interface SendContext extends EventContext {
  /** The socket the message came from (left out of the sender's own `new_message` echo). */
  connId?: string
}

/** The chat use cases. */
export class Chat {
  readonly #d: ChatDeps
  readonly #now: () => number
  /**
   * Conversations by id and by key, for the fields that never change (id, key, participants,
   * job): every frame checks participation, and on FerretDB each saved round trip counts. Bounded
   * (oldest dropped first); `lastMessage`/`lastActivityAt` are never read from it.
   */
  readonly #cache = new Map<string, ConversationDoc>()
  constructor(deps: ChatDeps) {
    this.#d = deps
    this.#now = deps.now ?? Date.now
  }

  /**
   * The conversation of `me` and `other` about `jobId` (or none), created when missing.
   *
   * @param createdBy - the user who asked, or null when an event opened it
   * @returns the conversation and whether this call created it
   * @throws SelfConversation when `me === other`
   */
  async findOrCreate(
    me: string,
    other: string,
    jobId: string | null,
    createdBy: string | null,
    ctx: EventContext = {},
  ): Promise<{ conversation: ConversationDoc; created: boolean }> {
    if (me === other)
      throw withFields(new SelfConversation(), [{ field: 'participantId', message: 'must be another user' }])
    const key = conversationKey(me, other, jobId)
    const cached = this.#cache.get(key)
    if (cached) return { conversation: cached, created: false }
    const existing = await this.#d.Conversation.findOne({ key }).lean()
    if (existing) return { conversation: this.#remember(existing), created: false }
    const _id = new Types.ObjectId()
    const now = new Date(this.#now())
    const participantIds = canonicalPair(me, other)
    const doc = {
      _id,
      key,
      participantIds,
      jobId,
      createdBy,
      createdAt: now,
      lastActivityAt: now,
      lastMessage: null,
      outbox: toOutbox([
        conversationCreated({ id: _id.toHexString(), participantIds, jobId, createdBy }, ctx),
      ]),
    }
    try {
      await this.#d.Conversation.collection.insertOne(doc)
      noteOutboxWrite(this.#d.Conversation, doc._id)
    } catch (err) {
      // Lost the race on the unique key: the winner's conversation is THE conversation.
      if ((err as { code?: number }).code !== 11000) throw err
      const winner = await this.#d.Conversation.findOne({ key }).lean()
      if (!winner) throw err
      return { conversation: this.#remember(winner), created: false }
    }
    this.#d.kickOutbox()
    return { conversation: this.#remember(doc as ConversationDoc), created: true }
  }

  #remember(conv: ConversationDoc): ConversationDoc {
    if (this.#cache.size >= 20_000) {
      for (const k of [...this.#cache.keys()].slice(0, 2_000)) this.#cache.delete(k)
    }
    this.#cache.set(conv.key, conv)
    this.#cache.set(conv._id.toHexString(), conv)
    return conv
  }

  /** A conversation by id for a participant check, from the cache when possible. */
  async #byId(id: string): Promise<ConversationDoc | null> {
    const cached = this.#cache.get(id)
    if (cached) return cached
    const _id = objectIdOf(id)
    const conv = _id ? await this.#d.Conversation.findOne({ _id }).lean() : null
    return conv ? this.#remember(conv) : null
  }

  /** The conversation `id` if `me` takes part in it. @throws ConversationNotFound otherwise */
  async conversationOf(id: string, me: string): Promise<ConversationDoc> {
    const conv = await this.#byId(id)
    if (!conv || !conv.participantIds.includes(me)) throw new ConversationNotFound()
    return conv
  }

  /**
   * The view of `conv` for `me`, with its unread count. The document is read again unless
   * `fresh` (it may come from the cache, whose last-message fields are stale).
   */
  async conversationView(given: ConversationDoc, me: string, fresh = false): Promise<ConversationView> {
    const conv = fresh ? given : ((await this.#d.Conversation.findOne({ _id: given._id }).lean()) ?? given)
    const unreadCount = await this.#d.Message.countDocuments({
      conversationId: conv._id.toHexString(),
      recipientId: me,
      readAt: null,
      deletedAt: null,
    })
    return {
      id: conv._id.toHexString(),
      participantIds: conv.participantIds,
      otherParticipantId: otherParticipant(conv.participantIds, me) ?? '',
      jobId: conv.jobId ?? null,
      createdAt: conv.createdAt.toISOString(),
      lastActivityAt: conv.lastActivityAt.toISOString(),
      lastMessage: conv.lastMessage
        ? { ...conv.lastMessage, createdAt: new Date(conv.lastMessage.createdAt).toISOString() }
        : null,
      unreadCount,
    }
  }

  /** `me`'s conversations, most recent activity first, a cursor page at a time. @throws BadRequest for a bad cursor */
  async listConversations(
    me: string,
    q: { limit: number; cursor?: string },
  ): Promise<{ items: ConversationView[]; nextCursor: string | null }> {
    const after = dateIdCursor(q.cursor)
    const filter: Record<string, unknown> = { participantIds: me }
    if (after)
      Object.assign(
        filter,
        afterPosition('lastActivityAt', [after.at.toISOString(), after.id.toHexString()], {
          toKey: () => after.at,
          toId: () => after.id,
        }),
      )
    const rows = await this.#d.Conversation.find(filter)
      .sort({ lastActivityAt: -1, _id: -1 })
      .limit(q.limit + 1)
      .lean()
    const page = pageOf(rows, q.limit, (c): CursorValue[] => [
      c.lastActivityAt.toISOString(),
      c._id.toHexString(),
    ])
    return {
      items: await Promise.all(page.items.map((c) => this.conversationView(c, me, true))),
      nextCursor: page.nextCursor,
    }
  }

  /** A conversation's messages, newest first. @throws ConversationNotFound, BadRequest for a bad cursor */
  async history(
    convId: string,
    me: string,
    q: { limit: number; cursor?: string },
  ): Promise<{ items: MessageView[]; nextCursor: string | null }> {
    const conv = await this.conversationOf(convId, me)
    const after = dateIdCursor(q.cursor)
    const filter: Record<string, unknown> = { conversationId: conv._id.toHexString() }
    if (after)
      Object.assign(
        filter,
        afterPosition('createdAt', [after.at.toISOString(), after.id.toHexString()], {
          toKey: () => after.at,
          toId: () => after.id,
        }),
      )
    const rows = await this.#d.Message.find(filter)
      .sort({ createdAt: -1, _id: -1 })
      .limit(q.limit + 1)
      .lean()
    const page = pageOf(rows, q.limit, (m): CursorValue[] => [m.createdAt.toISOString(), m._id.toHexString()])
    return { items: page.items.map(messageView), nextCursor: page.nextCursor }
  }

  /**
   * Send a text message from `senderId` into `conv` (checked: participant, not blocked, content
   * rules, rate limit). A repeated `clientId` returns the message stored the first time.
   *
   * @returns the stored message and whether it was stored before (a retried `clientId`)
   * @throws ConversationNotFound, Blocked, BadContent, RateLimited
   */
  async sendText(
    conv: ConversationDoc,
    senderId: string,
    content: string,
    clientId: string | null,
    ctx: SendContext = {},
  ): Promise<{ message: MessageView; duplicate: boolean }> {
    const recipientId = otherParticipant(conv.participantIds, senderId)
    if (!recipientId) throw new ConversationNotFound()
    const problem = contentProblem(content, this.#d.maxChars)
    if (problem) throw withFields(new BadContent(problem), [{ field: 'content', message: problem }])
    if (await this.#d.safety.isBlocked(recipientId, senderId)) throw new Blocked()
    if (clientId) {
      const seen = await this.#d.Message.findOne({ dedupeKey: clientKey(senderId, clientId) }).lean()
      if (seen) return { message: messageView(seen), duplicate: true }
    }
    const wait = await this.#d.rateLimit.consume(senderId)
    if (wait > 0) throw withRetryAfter(new RateLimited(wait), wait)
    return this.#store(conv, { senderId, recipientId, type: 'text', content, clientId }, ctx)
  }

  /** Store an attachment message (the file is already in GridFS). @throws as {@link sendText} */
  async sendAttachment(
    conv: ConversationDoc,
    senderId: string,
    attachment: AttachmentRef,
    caption: string,
    ctx: SendContext = {},
  ): Promise<MessageView> {
    const recipientId = otherParticipant(conv.participantIds, senderId)
    if (!recipientId) throw new ConversationNotFound()
    if ([...caption].length > this.#d.maxChars)
      throw withFields(new BadContent(`caption is longer than ${this.#d.maxChars} characters`), [
        { field: 'caption', message: 'is too long' },
      ])
    if (await this.#d.safety.isBlocked(recipientId, senderId)) throw new Blocked()
    const wait = await this.#d.rateLimit.consume(senderId)
    if (wait > 0) throw withRetryAfter(new RateLimited(wait), wait)
    return (
      await this.#store(
        conv,
        { senderId, recipientId, type: 'attachment', content: caption, attachment },
        ctx,
      )
    ).message
  }

  /**
   * Write a system message (from an event) into `conv`, once per `dedupeKey`.
   *
   * @returns the message, or null when it was written before
   */
  async writeSystem(
    conv: ConversationDoc,
    kind: string,
    content: string,
    dedupeKey: string,
  ): Promise<MessageView | null> {
    const { message, duplicate } = await this.#store(
      conv,
      { senderId: 'system', recipientId: null, type: 'system', content, kind, dedupeKey },
      {},
    )
    return duplicate ? null : message
  }

  /** Log a call in its conversation (a `call` message from the caller), once per call id. */
  async writeCallLog(conv: ConversationDoc, log: CallLog): Promise<MessageView | null> {
    const { message, duplicate } = await this.#store(
      conv,
      {
        senderId: log.callerId,
        recipientId: null,
        type: 'call',
        content: '',
        kind: log.outcome,
        call: log,
        dedupeKey: `call:${log.callId}`,
      },
      {},
    )
    return duplicate ? null : message
  }

  async #store(
    conv: ConversationDoc,
    m: {
      senderId: string
      recipientId: string | null
      type: MessageType
      content: string
      kind?: string
      clientId?: string | null
      attachment?: AttachmentRef
      call?: CallLog
      dedupeKey?: string
    },
    ctx: SendContext,
  ): Promise<{ message: MessageView; duplicate: boolean }> {
    const _id = new Types.ObjectId()
    const conversationId = conv._id.toHexString()
    const createdAt = new Date(this.#now())
    const dedupeKey =
      m.dedupeKey ?? (m.clientId ? clientKey(m.senderId, m.clientId) : `m:${_id.toHexString()}`)
    const events =
      m.recipientId && m.type !== 'system'
        ? [
            messageSent(
              {
                id: _id.toHexString(),
                conversationId,
                senderId: m.senderId,
                recipientId: m.recipientId,
                type: m.type,
                content: m.content || m.attachment?.filename || '',
              },
              ctx,
            ),
          ]
        : []
    const doc: MessageDoc = {
      _id,
      conversationId,
      senderId: m.senderId,
      recipientId: m.recipientId,
      type: m.type,
      content: m.content,
      kind: m.kind ?? null,
      attachment: m.attachment ?? null,
      call: m.call ?? null,
      dedupeKey,
      clientId: m.clientId ?? null,
      createdAt,
      readAt: null,
      editedAt: null,
      deletedAt: null,
      outbox: toOutbox(events),
    }
    try {
      await this.#d.Message.collection.insertOne(doc)
      noteOutboxWrite(this.#d.Message, doc._id)
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err
      const first = await this.#d.Message.findOne({ dedupeKey }).lean()
      if (!first) throw err
      return { message: messageView(first), duplicate: true }
    }
    if (events.length > 0) this.#d.kickOutbox()
    const preview = previewOf(m.type === 'attachment' ? m.content || m.attachment?.filename || '' : m.content)
    // Only move the list position forward: a late, older write never hides a newer message.
    await this.#d.Conversation.updateOne(
      { _id: conv._id, lastActivityAt: { $lte: createdAt } },
      {
        $set: {
          lastActivityAt: createdAt,
          lastMessage: { id: _id.toHexString(), senderId: m.senderId, type: m.type, preview, createdAt },
        },
      },
    )
    const message = messageView(doc)
    const frame = { type: 'new_message', conversationId, message }
    await Promise.all(
      conv.participantIds.map((p) =>
        this.#d.push.toUser(p, frame, p === m.senderId ? ctx.connId : undefined),
      ),
    )
    return { message, duplicate: false }
  }

  /**
   * Mark messages to `me` as read (others' and already-read ids are skipped) and tell each sender
   * with `messages_read`.
   *
   * @returns the ids marked now and their `readAt`
   */
  async markRead(me: string, messageIds: string[]): Promise<{ messageIds: string[]; readAt: string }> {
    const ids = messageIds.map(objectIdOf).filter((x): x is Types.ObjectId => Boolean(x))
    const readAt = new Date(this.#now())
    const rows = await this.#d.Message.find({ _id: { $in: ids }, recipientId: me, readAt: null }).lean()
    if (rows.length === 0) return { messageIds: [], readAt: readAt.toISOString() }
    await this.#d.Message.updateMany(
      { _id: { $in: rows.map((r) => r._id) }, readAt: null },
      { $set: { readAt } },
    )
    const bySender = new Map<string, { conversationIds: Set<string>; ids: string[] }>()
    for (const r of rows) {
      const entry = bySender.get(r.senderId) ?? { conversationIds: new Set(), ids: [] }
      entry.ids.push(r._id.toHexString())
      entry.conversationIds.add(r.conversationId)
      bySender.set(r.senderId, entry)
    }
    const at = readAt.toISOString()
    await Promise.all(
      [...bySender].map(([sender, e]) =>
        this.#d.push.toUser(sender, {
          type: 'messages_read',
          messageIds: e.ids,
          readBy: me,
          readAt: at,
          conversationIds: [...e.conversationIds],
        }),
      ),
    )
    return { messageIds: rows.map((r) => r._id.toHexString()), readAt: at }
  }

  /** Mark every message to `me` in a conversation as read. @throws ConversationNotFound */
  async markConversationRead(convId: string, me: string): Promise<{ messageIds: string[]; readAt: string }> {
    const conv = await this.conversationOf(convId, me)
    const unread = await this.#d.Message.find(
      { conversationId: conv._id.toHexString(), recipientId: me, readAt: null },
      { _id: 1 },
    ).lean()
    return this.markRead(
      me,
      unread.map((m) => m._id.toHexString()),
    )
  }

  /** `me`'s unread message counts: the total and per conversation. */
  async unreadCounts(
    me: string,
  ): Promise<{ total: number; conversations: Array<{ conversationId: string; count: number }> }> {
    const rows = await this.#d.Message.find(
      { recipientId: me, readAt: null, deletedAt: null },
      { conversationId: 1 },
    ).lean()
    const counts = new Map<string, number>()
    for (const r of rows) counts.set(r.conversationId, (counts.get(r.conversationId) ?? 0) + 1)
    return {
      total: rows.length,
      conversations: [...counts].map(([conversationId, count]) => ({ conversationId, count })),
    }
  }

  async #ownMessage(me: string, messageId: string): Promise<{ msg: MessageDoc; conv: ConversationDoc }> {
    const _id = objectIdOf(messageId)
    const msg = _id ? await this.#d.Message.findOne({ _id }).lean() : null
    if (!msg) throw new MessageNotFound()
    const conv = await this.conversationOf(msg.conversationId, me).catch(() => {
      throw new MessageNotFound()
    })
    if (msg.senderId !== me) throw new NotSender()
    if (msg.deletedAt) throw new MessageImmutable('it was deleted')
    if (msg.type === 'system' || msg.type === 'call')
      throw new MessageImmutable(`${msg.type} messages are read-only`)
    return { msg, conv }
  }

  /** Edit the text of `me`'s own message; both sides get `message_updated`. @throws MessageNotFound, NotSender, MessageImmutable, BadContent */
  async edit(me: string, messageId: string, content: string): Promise<MessageView> {
    const { msg, conv } = await this.#ownMessage(me, messageId)
    const problem =
      msg.type === 'attachment'
        ? [...content].length > this.#d.maxChars
          ? 'is too long'
          : null
        : contentProblem(content, this.#d.maxChars)
    if (problem) throw withFields(new BadContent(problem), [{ field: 'content', message: problem }])
    const editedAt = new Date(this.#now())
    const res = await this.#d.Message.updateOne(
      { _id: msg._id, deletedAt: null },
      { $set: { content, editedAt } },
    )
    if (res.matchedCount === 0) throw new MessageImmutable('it was deleted')
    const view = messageView({ ...msg, content, editedAt })
    await Promise.all(
      conv.participantIds.map((p) =>
        this.#d.push.toUser(p, {
          type: 'message_updated',
          conversationId: view.conversationId,
          message: view,
        }),
      ),
    )
    return view
  }

  /** Delete `me`'s own message for everyone (soft); both sides get `message_deleted`. @throws as {@link edit} */
  async remove(me: string, messageId: string): Promise<void> {
    const { msg, conv } = await this.#ownMessage(me, messageId)
    const deletedAt = new Date(this.#now())
    await this.#d.Message.updateOne({ _id: msg._id, deletedAt: null }, { $set: { deletedAt, content: '' } })
    const frame = {
      type: 'message_deleted',
      conversationId: msg.conversationId,
      messageId: msg._id.toHexString(),
      deletedAt: deletedAt.toISOString(),
    }
    await Promise.all(conv.participantIds.map((p) => this.#d.push.toUser(p, frame)))
  }

  /** Conversations tied to `jobId` (for job-wide system messages). */
  async conversationsOfJob(jobId: string): Promise<ConversationDoc[]> {
    return this.#d.Conversation.find({ jobId }).lean()
  }

  /** True when `a` and `b` share at least one conversation. */
  async sharesConversation(a: string, b: string): Promise<boolean> {
    return (
      (await this.#d.Conversation.findOne({ participantIds: { $all: [a, b] } }, { _id: 1 }).lean()) !== null
    )
  }

  /** The users `me` shares a conversation with (presence is shown to them only). */
  async contactsOf(me: string): Promise<string[]> {
    const rows = await this.#d.Conversation.find({ participantIds: me }, { participantIds: 1 }).lean()
    return [...new Set(rows.flatMap((r) => r.participantIds).filter((p) => p !== me))]
  }
}

/** The dedupe key of a client-correlated message. */
function clientKey(senderId: string, clientId: string): string {
  return `${senderId}:c:${clientId}`
}
