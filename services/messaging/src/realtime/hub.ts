/**
 * The WebSocket hub: accepts `/ws` upgrades (the access token checked at upgrade, as a bearer
 * header or `?token=`), keeps this instance's sockets, and routes frames to users across
 * instances through Redis pub/sub — one channel per user, subscribed by an instance while it
 * holds at least one socket of that user. Every delivery, local or not, goes through the channel,
 * so "every open connection of the user" holds whatever instance each socket lives on.
 *
 * Protection: heartbeats (ping every `heartbeatMs`; a socket that missed the previous pong is
 * terminated), a bounded send buffer per socket (a slow consumer over `maxBufferedBytes` is
 * closed with 1013 rather than growing memory), frames over `hardMaxFrameBytes` close with 1009
 * (ws `maxPayload`), and the socket closes with 4001 when its token expires.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import {
  genReqId,
  NotFound,
  problemOf,
  rawProblemResponse,
  ShuttingDown,
  verifyOrThrow,
  type AccessClaims,
  type WebSocketMetrics,
} from '@kelmah/service-kit'
import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import { WebSocket, WebSocketServer } from 'ws'
import { parseFrame, type ClientFrame, type FrameError } from '../domain/frames.js'
import type { Push, ServerFrame } from '../services/push.js'

/** One open socket of a user on this instance. */
export interface Conn {
  id: string
  userId: string
  role: string
  ws: WebSocket
  /** False between a ping and its pong. */
  alive: boolean
  /** Typing indicators of this socket, by the other user's id (`Protocol`'s typing coalescing). */
  typing: Map<string, TypingState>
  /** Conversations the client said it has open (`join_conversation`). */
  joined: Set<string>
  expiryTimer?: NodeJS.Timeout
}

/** One typing indicator of a socket towards another user. */
export interface TypingState {
  conversationId: string | null
  /** Auto-stop timer (`TYPING_TIMEOUT_MS` after the last `typing_start`); unset while stopped. */
  timer?: NodeJS.Timeout
  /** The other side was told `isTyping: true` and not yet `false`. */
  relayed: boolean
  /** Epoch ms of the last relayed start (starts are coalesced to one per relay interval). */
  lastStartAt: number
  /** A start waiting for the relay interval to pass. */
  pending?: NodeJS.Timeout
}

/** What the protocol layer does with sockets. */
export interface ProtocolHandlers {
  onOpen(conn: Conn): Promise<void>
  onFrame(conn: Conn, frame: ClientFrame): Promise<void>
  onFrameError(conn: Conn, error: FrameError): void
  onClose(conn: Conn, lastOfUser: boolean): Promise<void>
}

/** Options of {@link Hub}. */
export interface HubOptions {
  redis: Redis
  prefix: string
  verify: (token: string) => Promise<AccessClaims>
  log: FastifyBaseLogger
  heartbeatMs: number
  maxFrameBytes: number
  hardMaxFrameBytes: number
  maxBufferedBytes: number
  /** The upgrade path (default `/ws`). */
  path?: string
  /** Frame counts for `/metrics` (`app.metrics.trackWebSockets`). */
  metrics?: WebSocketMetrics
}

/** WebSocket close codes used. */
export const CLOSE = {
  goingAway: 1001,
  policy: 1008,
  tooBig: 1009,
  tryAgainLater: 1013,
  tokenExpired: 4001,
  /** More sockets than `WS_MAX_SOCKETS_PER_USER` for the user (the new one is closed). */
  tooManySockets: 4029,
} as const

/** The hub of one instance. */
export class Hub implements Push {
  readonly #o: HubOptions
  readonly #wss: WebSocketServer
  readonly #local = new Map<string, Set<Conn>>()
  readonly #sub: Redis
  #handlers?: ProtocolHandlers
  #heartbeat?: NodeJS.Timeout
  #closing = false
  /** Close handlers still running (awaited by `close()` before the databases go away). */
  readonly #pending = new Set<Promise<void>>()
  /** Called on every heartbeat with this instance's sockets (presence refresh). */
  onHeartbeat?: (conns: Conn[]) => Promise<void>

  constructor(opts: HubOptions) {
    this.#o = opts
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.hardMaxFrameBytes,
      perMessageDeflate: false,
    })
    // A dedicated connection: a subscribed ioredis client can run no other command.
    this.#sub = opts.redis.duplicate()
    this.#sub.on('error', (err) => opts.log.warn({ err }, 'redis subscriber error'))
    this.#sub.on('message', (channel: string, payload: string) => this.#onChannel(channel, payload))
  }

  /** Plug the protocol in (before `start`). */
  setHandlers(h: ProtocolHandlers): void {
    this.#handlers = h
  }

  /** Connect the subscriber and start heartbeats. */
  async start(): Promise<void> {
    if (this.#sub.status === 'wait') await this.#sub.connect()
    this.#heartbeat = setInterval(() => this.#beat(), this.#o.heartbeatMs)
    this.#heartbeat.unref()
  }

  /** Sockets on this instance (all users). */
  get connections(): number {
    let n = 0
    for (const set of this.#local.values()) n += set.size
    return n
  }

  /** This instance's sockets of `userId`. */
  connsOf(userId: string): Conn[] {
    return [...(this.#local.get(userId) ?? [])]
  }

  #channel(userId: string) {
    return `${this.#o.prefix}u:${userId}`
  }

  /** {@link Push.toUser}: every socket of `userId` on every instance, except `exceptConnId`. */
  async toUser(userId: string, frame: ServerFrame, exceptConnId?: string): Promise<void> {
    await this.#o.redis.publish(this.#channel(userId), `${exceptConnId ?? ''}\n\n${JSON.stringify(frame)}`)
  }

  /** One socket of `userId` (wherever it lives). */
  async toConn(userId: string, connId: string, frame: ServerFrame): Promise<void> {
    await this.#o.redis.publish(this.#channel(userId), `\n${connId}\n${JSON.stringify(frame)}`)
  }

  #onChannel(channel: string, payload: string) {
    const userId = channel.slice(this.#o.prefix.length + 2)
    const conns = this.#local.get(userId)
    if (!conns) return
    const a = payload.indexOf('\n')
    const b = payload.indexOf('\n', a + 1)
    const except = payload.slice(0, a)
    const only = payload.slice(a + 1, b)
    const json = payload.slice(b + 1)
    for (const conn of conns) {
      if (conn.id === except || (only && conn.id !== only)) continue
      this.sendRaw(conn, json)
    }
  }

  /** Send a frame to one local socket. */
  send(conn: Conn, frame: ServerFrame): void {
    this.sendRaw(conn, JSON.stringify(frame))
  }

  /**
   * Send serialised JSON to a local socket, unless its send buffer is over the limit: then the
   * socket is a slow consumer and is closed (1013, "try again later") instead of buffering
   * without bound; the client reconnects and reads history.
   */
  sendRaw(conn: Conn, json: string): void {
    const ws = conn.ws
    if (ws.readyState !== WebSocket.OPEN) return
    if (ws.bufferedAmount > this.#o.maxBufferedBytes) {
      this.#o.log.warn(
        { userId: conn.userId, connId: conn.id, buffered: ws.bufferedAmount },
        'slow consumer: closing socket',
      )
      ws.close(CLOSE.tryAgainLater, 'slow consumer')
      // A peer that reads nothing will not answer the close handshake either.
      setTimeout(() => ws.terminate(), 2_000).unref()
      return
    }
    ws.send(json)
    this.#o.metrics?.frame('out')
  }

  /**
   * Handle an HTTP upgrade: `/ws` with a valid access token becomes a socket; anything else is
   * answered with an `application/problem+json` HTTP error (as every other error of the service)
   * and closed — 401 `KIT_ERR_UNAUTHORIZED` saying whether the token is missing, invalid, expired
   * or revoked, 404 for another path, 503 while shutting down or when keys cannot be fetched.
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://localhost')
    if (this.#closing) return refuse(request, socket, url, new ShuttingDown())
    if (url.pathname !== (this.#o.path ?? '/ws'))
      return refuse(
        request,
        socket,
        url,
        new NotFound(`no WebSocket endpoint here; connect to ${this.#o.path ?? '/ws'}`),
      )
    const header = request.headers.authorization
    let token: string | undefined
    if (header) {
      const [scheme, value] = header.split(' ')
      token = scheme?.toLowerCase() === 'bearer' && value ? value : undefined
    } else token = url.searchParams.get('token') ?? undefined
    verifyOrThrow(this.#o.verify, token).then(
      (claims) => {
        if (socket.destroyed) return
        this.#wss.handleUpgrade(request, socket, head, (ws) => void this.#open(ws, claims))
      },
      (err: Error) => refuse(request, socket, url, err),
    )
  }

  async #open(ws: WebSocket, claims: AccessClaims): Promise<void> {
    const conn: Conn = {
      id: randomUUID(),
      userId: claims.sub,
      role: claims.role,
      ws,
      alive: true,
      typing: new Map(),
      joined: new Set(),
    }
    let set = this.#local.get(conn.userId)
    if (!set) {
      set = new Set()
      this.#local.set(conn.userId, set)
      // Subscribe before anything is sent to the user, so no frame published from now is missed.
      await this.#sub.subscribe(this.#channel(conn.userId))
    }
    set.add(conn)
    const msLeft = claims.exp * 1000 - Date.now()
    if (msLeft < 2 ** 31)
      conn.expiryTimer = setTimeout(() => ws.close(CLOSE.tokenExpired, 'token expired'), Math.max(0, msLeft))
    ws.on('pong', () => (conn.alive = true))
    // Frames are handled in order per socket: a chain, so a read receipt never overtakes its message.
    let chain = Promise.resolve()
    ws.on('message', (data, isBinary) => {
      chain = chain.then(() => this.#onMessage(conn, data as Buffer, isBinary))
    })
    ws.on('error', (err) => this.#o.log.debug({ err, connId: conn.id }, 'socket error'))
    ws.on('close', () => {
      chain = chain.then(() => this.#onClose(conn))
      const done = chain.finally(() => this.#pending.delete(done))
      this.#pending.add(done)
    })
    try {
      await this.#handlers?.onOpen(conn)
    } catch (err) {
      this.#o.log.error({ err, userId: conn.userId }, 'socket open failed')
    }
  }

  async #onMessage(conn: Conn, data: Buffer, isBinary: boolean): Promise<void> {
    this.#o.metrics?.frame('in')
    const parsed = isBinary
      ? { error: { reason: 'invalid_json' as const, message: 'send JSON text frames' } }
      : parseFrame(data, this.#o.maxFrameBytes)
    if ('error' in parsed) return this.#handlers?.onFrameError(conn, parsed.error)
    try {
      await this.#handlers?.onFrame(conn, parsed.frame)
    } catch (err) {
      this.#o.log.error({ err, userId: conn.userId, type: parsed.frame.type }, 'frame handling failed')
      this.send(conn, {
        type: 'error',
        reason: 'internal',
        message: 'the server could not handle this frame',
        ref: parsed.frame.type,
      })
    }
  }

  async #onClose(conn: Conn): Promise<void> {
    clearTimeout(conn.expiryTimer)
    const set = this.#local.get(conn.userId)
    set?.delete(conn)
    const last = !set || set.size === 0
    if (set && set.size === 0) {
      this.#local.delete(conn.userId)
      await this.#sub.unsubscribe(this.#channel(conn.userId)).catch(() => undefined)
    }
    try {
      await this.#handlers?.onClose(conn, last)
    } catch (err) {
      this.#o.log.error({ err, userId: conn.userId }, 'socket close handling failed')
    }
  }

  #beat() {
    const all: Conn[] = []
    for (const set of this.#local.values()) {
      for (const conn of set) {
        if (!conn.alive) {
          this.#o.log.info({ userId: conn.userId, connId: conn.id }, 'no pong: dropping socket')
          conn.ws.terminate()
          continue
        }
        conn.alive = false
        conn.ws.ping()
        all.push(conn)
      }
    }
    this.onHeartbeat?.(all).catch((err) => this.#o.log.warn({ err }, 'heartbeat refresh failed'))
  }

  /** Close every socket (1001 going away), run their close handling, stop the subscriber. */
  async close(): Promise<void> {
    this.#closing = true
    clearInterval(this.#heartbeat)
    const conns = [...this.#local.values()].flatMap((s) => [...s])
    await Promise.all(
      conns.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.ws.readyState === WebSocket.CLOSED) return resolve()
            const t = setTimeout(() => (c.ws.terminate(), resolve()), 1_000)
            c.ws.once('close', () => (clearTimeout(t), resolve()))
            c.ws.close(CLOSE.goingAway, 'server shutting down')
          }),
      ),
    )
    // Let the close handlers (presence, typing, calls) finish while Redis and MongoDB are still up.
    await Promise.race([Promise.allSettled([...this.#pending]), new Promise((r) => setTimeout(r, 5_000))])
    this.#wss.close()
    this.#sub.disconnect()
  }
}

/**
 * Refuse an upgrade with `err` as a complete problem+json HTTP response (service-kit's
 * `rawProblemResponse`: the socket is not an HTTP response object yet), then close it. The
 * request id is the caller's `x-request-id` when it is a safe one (the gateway's), like every
 * other answer.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */
function refuse(request: IncomingMessage, socket: Duplex, url: URL, err: Error): void {
  if (socket.destroyed || !socket.writable) return
  socket.end(
    rawProblemResponse({
      ...problemOf(err),
      instance: url.pathname.slice(0, 512),
      requestId: genReqId(request),
    }),
  )
}

export type { FrameError }
