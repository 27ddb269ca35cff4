/**
 * Call signalling (no media passes through us): invite → accept/decline → offer/answer/ICE relayed
 * between the two sockets that took part → end. State lives in Redis, so each frame works whatever
 * instance the two sockets are on:
 *
 * - `call:<id>` — the call as JSON; transitions are compare-and-set (a Lua script), so two
 *   concurrent accepts/ends cannot both win; the ending is a `GETDEL`, which exactly one caller gets.
 * - `usercall:<userId>` — the call a user is in (`SET NX`: one call at a time).
 *
 * Rules: only participants of the conversation may call; a callee who blocked the caller refuses;
 * nothing is relayed before the callee accepts (error frame `call_not_accepted`); switching an
 * audio call to video needs the other side's consent (`call_upgrade` → `call_upgrade_accept` /
 * `call_upgrade_decline`); an unanswered call ends as missed after the ring timeout and any call
 * ends after the maximum duration. Each call is logged in its conversation as a `call` message.
 * Timers live in the instance that started them; if it dies the Redis keys expire on their own.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import type { ClientFrame } from '../domain/frames.js'
import type { CallLog } from '../models/message.js'
import type { Chat } from '../services/chat.js'
import type { Safety } from '../services/safety.js'
import type { Conn, Hub } from './hub.js'
import type { Presence } from './presence.js'

/** A call as kept in Redis. */
export interface CallState {
  callId: string
  conversationId: string
  callerId: string
  calleeId: string
  callerConn: string
  /** The callee socket that accepted (signalling goes to it only). */
  calleeConn: string | null
  media: 'audio' | 'video'
  state: 'ringing' | 'active'
  startedAt: string
  answeredAt: string | null
  /** A pending request to switch to video, by this user. */
  upgradeBy: string | null
}

const CAS = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL') return 1 else return 0 end`
const DEL_IF = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`

/** What {@link Calls} needs. */
export interface CallDeps {
  redis: Redis
  prefix: string
  hub: Hub
  chat: Chat
  safety: Safety
  presence: Presence
  log: FastifyBaseLogger
  maxDurationS: number
  ringTimeoutS: number
  /** Tell contacts a user's status changed (in_call / online). */
  announce: (userId: string) => Promise<void>
}

type CallFrame = Extract<ClientFrame, { callId: string }> | Extract<ClientFrame, { type: 'call_invite' }>

/** Call signalling of one instance. */
export class Calls {
  readonly #timers = new Map<string, NodeJS.Timeout>()
  constructor(private readonly d: CallDeps) {}

  #key(id: string) {
    return `${this.d.prefix}call:${id}`
  }
  #userKey(userId: string) {
    return `${this.d.prefix}usercall:${userId}`
  }
  get #ttlS() {
    return this.d.maxDurationS + this.d.ringTimeoutS + 60
  }

  #error(
    conn: Conn,
    frame: { type: string; clientId?: string },
    reason: string,
    message: string,
    callId?: string,
  ) {
    this.d.hub.send(conn, {
      type: 'error',
      reason,
      message,
      ref: frame.type,
      ...(callId ? { callId } : {}),
      ...(frame.clientId ? { clientId: frame.clientId } : {}),
    })
  }

  async #load(id: string): Promise<{ raw: string; call: CallState } | null> {
    const raw = await this.d.redis.get(this.#key(id))
    return raw ? { raw, call: JSON.parse(raw) as CallState } : null
  }

  async #cas(id: string, before: string, after: CallState): Promise<boolean> {
    return (await this.d.redis.eval(CAS, 1, this.#key(id), before, JSON.stringify(after))) === 1
  }

  #timer(callId: string, ms: number, fn: () => Promise<void>) {
    clearTimeout(this.#timers.get(callId))
    const t = setTimeout(() => {
      this.#timers.delete(callId)
      fn().catch((err) => this.d.log.warn({ err, callId }, 'call timer failed'))
    }, ms)
    t.unref()
    this.#timers.set(callId, t)
  }

  /** Handle a call frame from `conn`. */
  async handle(conn: Conn, frame: ClientFrame): Promise<void> {
    const f = frame as CallFrame
    if (f.type === 'call_invite') return this.#invite(conn, f)
    const loaded = await this.#load(f.callId)
    const me = conn.userId
    if (!loaded || (loaded.call.callerId !== me && loaded.call.calleeId !== me)) {
      return this.#error(conn, f, 'not_found', 'No such call', f.callId)
    }
    const { raw, call } = loaded
    const other = call.callerId === me ? call.calleeId : call.callerId
    const otherConn = call.callerId === me ? call.calleeConn : call.callerConn
    switch (f.type) {
      case 'call_accept': {
        if (me !== call.calleeId || call.state !== 'ringing')
          return this.#error(conn, f, 'invalid_state', 'Only the callee may accept a ringing call', f.callId)
        const next: CallState = {
          ...call,
          state: 'active',
          calleeConn: conn.id,
          answeredAt: new Date().toISOString(),
        }
        if (!(await this.#cas(f.callId, raw, next)))
          return this.#error(conn, f, 'invalid_state', 'The call changed; it was answered or ended', f.callId)
        this.#timer(
          call.callId,
          this.d.maxDurationS * 1000,
          async () => void (await this.end(call.callId, null, 'max_duration')),
        )
        await this.d.hub.toConn(call.callerId, call.callerConn, {
          type: 'call_accept',
          callId: call.callId,
          from: me,
          media: call.media,
        })
        await this.d.hub.toUser(me, { type: 'call_answered_elsewhere', callId: call.callId }, conn.id)
        await Promise.all(
          [call.callerId, call.calleeId].map((u) => this.d.presence.setInCall(u, call.callId, this.#ttlS)),
        )
        await Promise.all([call.callerId, call.calleeId].map((u) => this.d.announce(u)))
        return
      }
      case 'call_decline':
        if (me !== call.calleeId || call.state !== 'ringing')
          return this.#error(conn, f, 'invalid_state', 'Only the callee may decline a ringing call', f.callId)
        return void (await this.end(call.callId, me, 'declined'))
      case 'call_end':
        return void (await this.end(call.callId, me, 'hangup'))
      case 'offer':
      case 'answer':
      case 'ice_candidate': {
        if (call.state !== 'active' || !otherConn)
          return this.#error(
            conn,
            f,
            'call_not_accepted',
            'The callee has not accepted this call yet',
            f.callId,
          )
        if ((call.callerId === me ? call.callerConn : call.calleeConn) !== conn.id)
          return this.#error(
            conn,
            f,
            'invalid_state',
            'This call is carried by another of your connections',
            f.callId,
          )
        const payload = f.type === 'ice_candidate' ? { candidate: f.candidate } : { sdp: f.sdp }
        return this.d.hub.toConn(other, otherConn, {
          type: f.type,
          callId: call.callId,
          from: me,
          ...payload,
        })
      }
      case 'call_upgrade': {
        if (call.state !== 'active' || !otherConn)
          return this.#error(
            conn,
            f,
            'call_not_accepted',
            'The callee has not accepted this call yet',
            f.callId,
          )
        if (call.media === 'video')
          return this.#error(conn, f, 'invalid_state', 'The call is already a video call', f.callId)
        if (!(await this.#cas(f.callId, raw, { ...call, upgradeBy: me })))
          return this.#error(conn, f, 'invalid_state', 'The call changed; try again', f.callId)
        return this.d.hub.toConn(other, otherConn, {
          type: 'call_upgrade',
          callId: call.callId,
          from: me,
          media: 'video',
        })
      }
      case 'call_upgrade_accept':
      case 'call_upgrade_decline': {
        if (!call.upgradeBy || call.upgradeBy === me)
          return this.#error(
            conn,
            f,
            'invalid_state',
            'There is no video request from the other side',
            f.callId,
          )
        const next: CallState = {
          ...call,
          upgradeBy: null,
          media: f.type === 'call_upgrade_accept' ? 'video' : call.media,
        }
        if (!(await this.#cas(f.callId, raw, next)))
          return this.#error(conn, f, 'invalid_state', 'The call changed; try again', f.callId)
        const requesterConn = call.upgradeBy === call.callerId ? call.callerConn : call.calleeConn
        if (requesterConn)
          await this.d.hub.toConn(call.upgradeBy, requesterConn, {
            type: f.type,
            callId: call.callId,
            from: me,
            media: next.media,
          })
        return
      }
    }
  }

  async #invite(conn: Conn, f: Extract<ClientFrame, { type: 'call_invite' }>): Promise<void> {
    const me = conn.userId
    const conv = await this.d.chat.conversations.conversationOf(f.conversationId, me)
    const callee = conv.participantIds.find((p) => p !== me) as string
    if (await this.d.safety.isBlocked(callee, me))
      return this.#error(conn, f, 'blocked', 'This user does not accept calls from you')
    const callId = randomUUID()
    if ((await this.d.redis.set(this.#userKey(me), callId, 'EX', this.#ttlS, 'NX')) !== 'OK')
      return this.#error(conn, f, 'busy', 'You are already in a call')
    if ((await this.d.redis.set(this.#userKey(callee), callId, 'EX', this.#ttlS, 'NX')) !== 'OK') {
      await this.d.redis.eval(DEL_IF, 1, this.#userKey(me), callId)
      return this.#error(conn, f, 'busy', 'The other person is in another call')
    }
    const call: CallState = {
      callId,
      conversationId: f.conversationId,
      callerId: me,
      calleeId: callee,
      callerConn: conn.id,
      calleeConn: null,
      media: f.media,
      state: 'ringing',
      startedAt: new Date().toISOString(),
      answeredAt: null,
      upgradeBy: null,
    }
    await this.d.redis.set(this.#key(callId), JSON.stringify(call), 'EX', this.#ttlS)
    this.#timer(callId, this.d.ringTimeoutS * 1000, async () => {
      const now = await this.#load(callId)
      if (now?.call.state === 'ringing') await this.end(callId, null, 'ring_timeout')
    })
    this.d.hub.send(conn, {
      type: 'call_ringing',
      callId,
      conversationId: f.conversationId,
      to: callee,
      media: f.media,
      ...(f.clientId ? { clientId: f.clientId } : {}),
    })
    await this.d.hub.toUser(callee, {
      type: 'call_invite',
      callId,
      conversationId: f.conversationId,
      from: me,
      media: f.media,
    })
  }

  /**
   * End a call (exactly once, whoever calls): both sides get `call_end`, presence returns to
   * online, and the call is logged in the conversation.
   *
   * @param by - the user who ended it, or null for the server (timeouts)
   * @returns false when the call had already ended
   */
  async end(callId: string, by: string | null, reason: string): Promise<boolean> {
    const raw = await this.d.redis.getdel(this.#key(callId))
    if (!raw) return false
    clearTimeout(this.#timers.get(callId))
    this.#timers.delete(callId)
    const call = JSON.parse(raw) as CallState
    await Promise.all(
      [call.callerId, call.calleeId].map((u) => this.d.redis.eval(DEL_IF, 1, this.#userKey(u), callId)),
    )
    const endedAt = new Date()
    let outcome: CallLog['outcome']
    if (call.state === 'active') outcome = 'completed'
    else if (reason === 'declined' || (reason === 'hangup' && by === call.calleeId)) outcome = 'declined'
    else if (reason === 'ring_timeout') outcome = 'missed'
    else if (by === call.callerId) outcome = 'cancelled'
    else outcome = 'failed'
    const frame = { type: 'call_end', callId, by, reason, outcome }
    await Promise.all([call.callerId, call.calleeId].map((u) => this.d.hub.toUser(u, frame)))
    if (call.state === 'active') {
      await Promise.all([call.callerId, call.calleeId].map((u) => this.d.presence.setInCall(u, null, 0)))
      await Promise.all([call.callerId, call.calleeId].map((u) => this.d.announce(u)))
    }
    const answeredAt = call.answeredAt ? new Date(call.answeredAt) : null
    try {
      const conv = await this.d.chat.conversations.conversationOf(call.conversationId, call.callerId)
      await this.d.chat.messages.writeCallLog(conv, {
        callId,
        callerId: call.callerId,
        media: call.media,
        outcome,
        startedAt: new Date(call.startedAt),
        answeredAt,
        endedAt,
        durationS: answeredAt ? Math.round((endedAt.getTime() - answeredAt.getTime()) / 1000) : 0,
        endReason: reason,
      })
    } catch (err) {
      this.d.log.warn({ err, callId }, 'could not log the call')
    }
    return true
  }

  /** A socket closed: the call it carried ends (the ringing caller's too). */
  async onDisconnect(conn: Conn, _lastOfUser: boolean): Promise<void> {
    const callId = await this.d.redis.get(this.#userKey(conn.userId))
    if (!callId) return
    const loaded = await this.#load(callId)
    if (!loaded) return
    const { call } = loaded
    if (call.callerConn === conn.id || call.calleeConn === conn.id)
      await this.end(callId, conn.userId, 'disconnected')
  }

  /** Forget this instance's timers (shutdown). */
  stop(): void {
    for (const t of this.#timers.values()) clearTimeout(t)
    this.#timers.clear()
  }
}
