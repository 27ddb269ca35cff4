/**
 * The socket protocol (docs/architecture.md, WebSocket protocol): what each client frame does, with the same authorisation as
 * the REST routes — every frame naming a conversation is checked against its participants, and a
 * stranger's conversation answers `not_found` like an unknown one. See README.md for the full
 * frame reference.
 *
 * Throttling (issue 14, item 6): every frame draws from its socket's bucket for its kind
 * (`src/domain/limits.ts`, `WS_FRAME_LIMITS`); an empty bucket answers an `error` frame
 * (`rate_limited`, `MSG_ERR_FRAME_RATE_LIMITED`, `retryAfterMs`) and the frame is dropped; a
 * socket that goes on sending refused or invalid frames is closed with 1008. Typing starts are
 * coalesced (at most one relayed per other user per `typingRelayIntervalMs`, a stop only after a
 * relayed start). A user's sockets are capped across instances (`maxSocketsPerUser`, counted in
 * the presence set): one more gets an `error` frame `too_many_connections` and is closed with 4029.
 */
import type { EventContext, Producer } from '@kelmah/contracts'
import type { FastifyBaseLogger } from 'fastify'
import type { ClientFrame, FrameError } from '../domain/frames.js'
import { FrameLimiter, kindOf, type FrameLimits } from '../domain/limits.js'
import type { Chat } from '../services/chat.js'
import type { Notifications } from '../services/notifications.js'
import type { ServerFrame } from '../services/push.js'
import type { Safety } from '../services/safety.js'
import type { Calls } from './calls.js'
import { CLOSE, type Conn, type Hub, type ProtocolHandlers, type TypingState } from './hub.js'
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
  /** Shortest time between two relayed typing starts to one user from one socket, ms. */
  typingRelayIntervalMs: number
  /** Per-socket buckets by frame kind. */
  frameLimits: FrameLimits
  /** Open sockets per user across instances. */
  maxSocketsPerUser: number
  /** This service, the producer of the events frames cause. */
  producer: Producer
  /** Epoch ms (tests may inject). */
  nowMs?: () => number
}

/** Catalogue codes → the `reason` of an error frame. */
const REASONS: Record<string, string> = {
  MSG_ERR_CONVERSATION_NOT_FOUND: 'not_found',
  MSG_ERR_MESSAGE_NOT_FOUND: 'not_found',
  MSG_ERR_BLOCKED: 'blocked',
  MSG_ERR_RATE_LIMITED: 'rate_limited',
  MSG_ERR_BAD_CONTENT: 'invalid_frame',
  MSG_ERR_SELF_CONVERSATION: 'invalid_frame',
  MSG_ERR_USER_NOT_FOUND: 'not_found',
  MSG_ERR_RECIPIENT_INACTIVE: 'recipient_inactive',
}

/** The protocol handlers of one instance. */
export class Protocol implements ProtocolHandlers {
  readonly #limiters = new WeakMap<Conn, FrameLimiter>()
  /** Sockets closed for being over the per-user cap: they never counted as online. */
  readonly #refused = new WeakSet<Conn>()
  readonly #now: () => number

  constructor(private readonly d: ProtocolDeps) {
    this.#now = d.nowMs ?? Date.now
  }

  /** True for a socket refused by the per-user cap (heartbeats must not refresh its presence). */
  isRefused(conn: Conn): boolean {
    return this.#refused.has(conn)
  }

  #limiter(conn: Conn): FrameLimiter {
    let l = this.#limiters.get(conn)
    if (!l) {
      l = new FrameLimiter(this.d.frameLimits)
      this.#limiters.set(conn, l)
    }
    return l
  }

  /**
   * Count a refused or invalid frame; a socket whose `refused` bucket ran dry is abusive and is
   * closed with 1008 (policy violation). @returns true when it was closed
   */
  #countRefusal(conn: Conn): boolean {
    if (!this.#limiter(conn).refuse(this.#now())) return false
    this.d.log.warn({ userId: conn.userId, connId: conn.id }, 'too many refused frames: closing socket')
    conn.ws.close(CLOSE.policy, 'too many refused frames')
    return true
  }

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
    if (this.#countRefusal(conn)) return
    this.#send(conn, { type: 'error', ...error })
  }

  /** A new socket: presence (contacts learn the user came online), then the catch-up frame. */
  async onOpen(conn: Conn): Promise<void> {
    const { cameOnline, refused, count } = await this.d.presence.connect(
      conn.userId,
      conn.id,
      this.d.maxSocketsPerUser,
    )
    if (refused) {
      this.#refused.add(conn)
      this.#send(conn, {
        type: 'error',
        reason: 'too_many_connections',
        code: 'MSG_ERR_TOO_MANY_SOCKETS',
        message: `You have ${count} sockets open already (the most allowed): close one, then reconnect`,
        max: this.d.maxSocketsPerUser,
      })
      conn.ws.close(CLOSE.tooManySockets, 'too many sockets for this user')
      return
    }
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
    // A socket refused by the cap was never online, carried no call and typed nothing.
    if (this.#refused.has(conn)) return
    for (const [other, t] of conn.typing) {
      clearTimeout(t.timer)
      clearTimeout(t.pending)
      if (t.relayed) await this.#notifyTyping(conn.userId, other, false, t.conversationId)
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
    if (this.#refused.has(conn)) return
    const kind = kindOf(frame.type)
    const waitMs = this.#limiter(conn).take(kind, this.#now())
    if (waitMs > 0) {
      if (this.#countRefusal(conn)) return
      return this.#error(
        conn,
        frame,
        'rate_limited',
        `Too many ${kind} frames on this socket; wait ${waitMs} ms`,
        {
          code: 'MSG_ERR_FRAME_RATE_LIMITED',
          kind,
          retryAfterMs: waitMs,
          retryAfter: Math.ceil(waitMs / 1000),
        },
      )
    }
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
        // The block was read just above: sendText does not read it again.
        return this.#sendText(conn, frame, conversation, frame.message, true)
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
    blockChecked = false,
  ): Promise<void> {
    const { message, duplicate } = await this.d.chat.messages.sendText(
      conv,
      conn.userId,
      content,
      frame.clientId ?? null,
      { ...this.#context(conn), connId: conn.id },
      { blockChecked },
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

  /** Tell `other` (every socket) whether `from` is typing. */
  #notifyTyping(
    from: string,
    other: string,
    isTyping: boolean,
    conversationId: string | null,
  ): Promise<void> {
    return this.d.hub.toUser(other, {
      type: 'user_typing',
      from,
      isTyping,
      ...(conversationId ? { conversationId } : {}),
    })
  }

  /**
   * Typing indicators, coalesced. The other side gets `user_typing` `isTyping: true` when a run
   * of `typing_start`s begins — at most once per `typingRelayIntervalMs` per socket and other
   * user (a start sooner after the previous relayed one is relayed when the interval is over,
   * unless a stop came first) — and `isTyping: false` on `typing_stop`, `typingTimeoutMs` after
   * the last start, and on disconnect, each only after a relayed start. Starts within a run cost
   * no database read (the block check is made when a start is relayed).
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
      const known = conn.typing.get(other)
      if (!known && (other === me || !(await this.d.chat.conversations.shared(me, other)))) {
        return this.#error(conn, frame, 'not_found', 'You have no conversation with this user', {
          code: 'MSG_ERR_CONVERSATION_NOT_FOUND',
        })
      }
    }
    const state = conn.typing.get(other)
    const stop = (s: TypingState): Promise<void> => {
      clearTimeout(s.timer)
      clearTimeout(s.pending)
      s.timer = s.pending = undefined
      if (!s.relayed) return Promise.resolve()
      s.relayed = false
      return this.#notifyTyping(me, other, false, s.conversationId)
    }
    if (frame.type === 'typing_stop') return state ? stop(state) : undefined

    const s: TypingState = state ?? { conversationId, relayed: false, lastStartAt: -Infinity }
    s.conversationId = conversationId
    const running = s.relayed || s.pending !== undefined
    if (!running) {
      // A blocked typer's indicator is silently dropped (the blocker sees nothing, the typer learns nothing).
      if (await this.d.safety.isBlocked(other, me)) return
    }
    conn.typing.set(other, s)
    clearTimeout(s.timer)
    const timer = setTimeout(() => {
      if (s.timer !== timer) return
      stop(s).catch((err) => this.d.log.warn({ err }, 'typing auto-stop failed'))
    }, this.d.typingTimeoutMs)
    timer.unref()
    s.timer = timer
    if (running) return
    const relay = (): Promise<void> => {
      s.pending = undefined
      s.relayed = true
      s.lastStartAt = this.#now()
      return this.#notifyTyping(me, other, true, s.conversationId)
    }
    const waitMs = s.lastStartAt + this.d.typingRelayIntervalMs - this.#now()
    if (waitMs <= 0) return relay()
    const pending = setTimeout(() => {
      if (s.pending !== pending) return
      relay().catch((err) => this.d.log.warn({ err }, 'typing relay failed'))
    }, waitMs)
    pending.unref()
    s.pending = pending
  }
}
