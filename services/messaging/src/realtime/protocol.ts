/**
 * The socket protocol (docs/architecture.md, WebSocket protocol): what each client frame does, with the same authorisation as
 * the REST routes — every frame naming a conversation is checked against its participants, and a
 * stranger's conversation answers `not_found` like an unknown one. See README.md for the full
 * frame reference.
 */
import type { EventContext, Producer } from '@kelmah/contracts'
import type { FastifyBaseLogger } from 'fastify'
import type { ClientFrame, FrameError } from '../domain/frames.js'
import type { Chat } from '../services/chat.js'
import type { Notifications } from '../services/notifications.js'
import type { ServerFrame } from '../services/push.js'
import type { Safety } from '../services/safety.js'
import type { Calls } from './calls.js'
import type { Conn, Hub, ProtocolHandlers } from './hub.js'
import type { Presence, PresenceStatus } from './presence.js'

/** What the protocol needs. */
export interface ProtocolDeps {
  hub: Hub
  chat: Chat
  notifications: Notifications
  safety: Safety
  presence: Presence
  calls: Calls
  log: FastifyBaseLogger
  typingTimeoutMs: number
  /** This service, the producer of the events frames cause. */
  producer: Producer
}

/** Catalogue codes → the `reason` of an error frame. */
const REASONS: Record<string, string> = {
  MSG_ERR_CONVERSATION_NOT_FOUND: 'not_found',
  MSG_ERR_MESSAGE_NOT_FOUND: 'not_found',
  MSG_ERR_BLOCKED: 'blocked',
  MSG_ERR_RATE_LIMITED: 'rate_limited',
  MSG_ERR_BAD_CONTENT: 'invalid_frame',
  MSG_ERR_SELF_CONVERSATION: 'invalid_frame',
}

/** The protocol handlers of one instance. */
export class Protocol implements ProtocolHandlers {
  constructor(private readonly d: ProtocolDeps) {}

  /** The context of the events a frame on `conn` causes: the connection id as correlation id. */
  #context(conn: Conn): EventContext {
    return { producer: this.d.producer, correlationId: conn.id }
  }

  #send(conn: Conn, frame: ServerFrame) {
    this.d.hub.send(conn, frame)
  }

  /** An error frame for `frame`; the connection stays open. */
  #error(
    conn: Conn,
    frame: { type: string; clientId?: string } | undefined,
    reason: string,
    message: string,
    extra: Record<string, unknown> = {},
  ) {
    this.#send(conn, {
      type: 'error',
      reason,
      message,
      ...(frame ? { ref: frame.type } : {}),
      ...(frame?.clientId ? { clientId: frame.clientId } : {}),
      ...extra,
    })
  }

  onFrameError(conn: Conn, error: FrameError): void {
    this.#send(conn, { type: 'error', ...error })
  }

  /** A new socket: presence (contacts learn the user came online), then the catch-up frame. */
  async onOpen(conn: Conn): Promise<void> {
    const cameOnline = await this.d.presence.connect(conn.userId, conn.id)
    if (cameOnline) await this.#announce(conn.userId)
    const [unread, pending, notifications] = await Promise.all([
      this.d.chat.receipts.unreadCounts(conn.userId),
      this.d.notifications.unreadCount(conn.userId),
      this.d.notifications.list(conn.userId, { limit: 20 }),
    ])
    this.#send(conn, {
      type: 'hello',
      userId: conn.userId,
      connectionId: conn.id,
      unreadMessages: unread,
      unreadNotifications: pending,
      notifications: notifications.items.filter((n) => !n.read),
    })
  }

  /** A socket closed: typing stops, the user's call ends if this socket carried it, presence. */
  async onClose(conn: Conn, lastOfUser: boolean): Promise<void> {
    for (const [other, t] of conn.typing) {
      clearTimeout(t.timer)
      await this.d.hub.toUser(other, {
        type: 'user_typing',
        from: conn.userId,
        isTyping: false,
        ...(t.conversationId ? { conversationId: t.conversationId } : {}),
      })
    }
    conn.typing.clear()
    await this.d.calls.onDisconnect(conn, lastOfUser)
    const wentOffline = await this.d.presence.disconnect(conn.userId, conn.id)
    if (wentOffline) await this.#announce(conn.userId)
  }

  /** Push the user's current status to every contact (users sharing a conversation). */
  async #announce(userId: string): Promise<void> {
    const [contacts, [status]] = await Promise.all([
      this.d.chat.conversations.contactsOf(userId),
      this.d.presence.statuses([userId]),
    ])
    const frame = { type: 'presence', users: [status ?? { userId, status: 'offline' as PresenceStatus }] }
    await Promise.all(contacts.map((c) => this.d.hub.toUser(c, frame)))
  }

  /** Tell contacts about a status change made elsewhere (calls). */
  announce(userId: string): Promise<void> {
    return this.#announce(userId)
  }

  async onFrame(conn: Conn, frame: ClientFrame): Promise<void> {
    try {
      await this.#dispatch(conn, frame)
    } catch (err) {
      const e = err as { code?: string; message: string; retryAfterS?: number; statusCode?: number }
      const reason = e.code ? REASONS[e.code] : undefined
      if (!reason) throw err
      this.#error(conn, frame, reason, e.message, {
        code: e.code,
        ...(e.retryAfterS ? { retryAfter: e.retryAfterS } : {}),
      })
    }
  }

  async #dispatch(conn: Conn, frame: ClientFrame): Promise<void> {
    const me = conn.userId
    switch (frame.type) {
      case 'chat': {
        if (await this.d.safety.isBlocked(frame.recipientId, me))
          return this.#error(conn, frame, 'blocked', 'This user does not accept messages from you', {
            code: 'MSG_ERR_BLOCKED',
          })
        const { conversation } = await this.d.chat.conversations.findOrCreate(
          me,
          frame.recipientId,
          null,
          me,
          this.#context(conn),
        )
        return this.#sendText(conn, frame, conversation, frame.message)
      }
      case 'send_message': {
        const conv = await this.d.chat.conversations.conversationOf(frame.conversationId, me)
        return this.#sendText(conn, frame, conv, frame.content)
      }
      case 'join_conversation': {
        await this.d.chat.conversations.conversationOf(frame.conversationId, me)
        conn.joined.add(frame.conversationId)
        return this.#send(conn, { type: 'conversation_joined', conversationId: frame.conversationId })
      }
      case 'leave_conversation': {
        conn.joined.delete(frame.conversationId)
        return this.#send(conn, { type: 'conversation_left', conversationId: frame.conversationId })
      }
      case 'typing_start':
      case 'typing_stop':
        return this.#typing(conn, frame)
      case 'mark_read': {
        const res = await this.d.chat.receipts.markRead(me, frame.messageIds)
        // Every socket of the reader (other tabs clear their badges too).
        return this.d.hub.toUser(me, {
          type: 'messages_marked_read',
          messageIds: res.messageIds,
          readAt: res.readAt,
        })
      }
      case 'get_online_status': {
        const contacts = new Set(await this.d.chat.conversations.contactsOf(me))
        const known = frame.userIds.filter((u) => contacts.has(u) || u === me)
        const statuses = await this.d.presence.statuses(known)
        const unknown = frame.userIds
          .filter((u) => !contacts.has(u) && u !== me)
          .map((userId) => ({ userId, status: 'unknown' }))
        return this.#send(conn, { type: 'presence', users: [...statuses, ...unknown] })
      }
      case 'ping':
        return this.#send(conn, { type: 'pong', at: new Date().toISOString() })
      case 'call_invite':
      case 'call_accept':
      case 'call_decline':
      case 'call_end':
      case 'call_upgrade':
      case 'call_upgrade_accept':
      case 'call_upgrade_decline':
      case 'offer':
      case 'answer':
      case 'ice_candidate':
        return this.d.calls.handle(conn, frame)
    }
  }

  async #sendText(
    conn: Conn,
    frame: ClientFrame,
    conv: Parameters<Chat['messages']['sendText']>[0],
    content: string,
  ): Promise<void> {
    const { message, duplicate } = await this.d.chat.messages.sendText(
      conv,
      conn.userId,
      content,
      frame.clientId ?? null,
      { ...this.#context(conn), connId: conn.id },
    )
    this.#send(conn, {
      type: 'message_delivered',
      messageId: message.id,
      conversationId: message.conversationId,
      createdAt: message.createdAt,
      timestamp: message.createdAt,
      ...(frame.clientId ? { clientId: frame.clientId, tempId: frame.clientId } : {}),
      ...(duplicate ? { duplicate: true } : {}),
      message,
    })
  }

  /**
   * Typing indicators. The other side gets `user_typing` on each change; the server stops an
   * indicator by itself `typingTimeoutMs` after the last `typing_start`, and on disconnect.
   */
  async #typing(
    conn: Conn,
    frame: Extract<ClientFrame, { type: 'typing_start' | 'typing_stop' }>,
  ): Promise<void> {
    const me = conn.userId
    let other: string
    let conversationId: string | null = null
    if ('conversationId' in frame) {
      const conv = await this.d.chat.conversations.conversationOf(frame.conversationId, me)
      other = conv.participantIds.find((p) => p !== me) ?? me
      conversationId = frame.conversationId
    } else {
      other = frame.recipientId
      if (other === me || !(await this.d.chat.conversations.shared(me, other))) {
        return this.#error(conn, frame, 'not_found', 'You have no conversation with this user', {
          code: 'MSG_ERR_CONVERSATION_NOT_FOUND',
        })
      }
    }
    const current = conn.typing.get(other)
    const notify = (isTyping: boolean, convId: string | null) =>
      this.d.hub.toUser(other, {
        type: 'user_typing',
        from: me,
        isTyping,
        ...(convId ? { conversationId: convId } : {}),
      })
    if (frame.type === 'typing_stop') {
      if (!current) return
      clearTimeout(current.timer)
      conn.typing.delete(other)
      return notify(false, current.conversationId)
    }
    // A blocked typer's indicator is silently dropped (the blocker sees nothing, the typer learns nothing).
    if (await this.d.safety.isBlocked(other, me)) return
    if (current) clearTimeout(current.timer)
    const timer = setTimeout(() => {
      if (conn.typing.get(other)?.timer !== timer) return
      conn.typing.delete(other)
      notify(false, conversationId).catch((err) => this.d.log.warn({ err }, 'typing auto-stop failed'))
    }, this.d.typingTimeoutMs)
    timer.unref()
    conn.typing.set(other, { timer, conversationId })
    if (!current) await notify(true, conversationId)
  }
}
