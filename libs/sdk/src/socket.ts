/**
 * The chat socket (`/ws` through the gateway; protocol: services/messaging/README.md, "WebSocket
 * protocol"), with typed frames (src/frames.ts), reconnection with exponential back-off and
 * jitter, and at-least-once sends: every message sent with {@link KelmahSocket.sendMessage}
 * carries a `clientId` and is kept until the server's `message_delivered` echoes it; after a
 * reconnect every unacknowledged message is sent again with the same `clientId`, which the
 * messaging service stores only once (it answers `duplicate: true` for a repeat).
 *
 * Uses the global `WebSocket` where there is one (browsers, Node ≥ 22) and the `ws` package
 * otherwise. The access token travels as `?token=` (browsers cannot set headers on an upgrade);
 * the gateway and the service redact it from their logs.
 */
import type { ClientFrame, ServerFrame, ServerFrameOf, ServerFrames } from './frames.js'

/** The part of the WebSocket API the socket uses (the DOM's, which `ws` implements too). */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (event: never) => void): void
}

/** A WebSocket constructor. */
export type WebSocketConstructor = new (url: string) => WebSocketLike

/** Options of {@link KelmahSocket}. */
export interface SocketOptions {
  /** `ws(s)://<gateway>/ws`. */
  url: string
  /** A valid access token, asked before every (re)connect. */
  token: () => Promise<string>
  /** The WebSocket implementation (default: the global one, else `ws`). */
  WebSocket?: WebSocketConstructor
  /** First reconnect delay, ms (default 250); doubles per failed attempt up to `maxDelayMs`. */
  initialDelayMs?: number
  /** Longest reconnect delay, ms (default 15 000). */
  maxDelayMs?: number
}

/** A message send the server refused (`error` frame with its `clientId`). */
export class KelmahSocketError extends Error {
  override readonly name = 'KelmahSocketError'
  constructor(readonly frame: ServerFrameOf<'error'>) {
    super(frame.message)
  }
  /** The error frame's `reason` (`blocked`, `not_found`, `rate_limited`, `invalid_frame`, …). */
  get reason(): string {
    return this.frame.reason
  }
  /** The catalogue code, when the server gave one (`MSG_ERR_BLOCKED`). */
  get code(): string | undefined {
    return this.frame.code
  }
}

type MessageFrame = Extract<ClientFrame, { type: 'chat' | 'send_message' }>
type Listener<T extends keyof ServerFrames> = (frame: ServerFrameOf<T>) => void

interface Pending {
  frame: MessageFrame & { clientId: string }
  resolve(frame: ServerFrameOf<'message_delivered'>): void
  reject(err: Error): void
}

const OPEN = 1

async function defaultWebSocket(): Promise<WebSocketConstructor> {
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
  if (global) return global
  const ws = await import('ws')
  return ws.WebSocket as unknown as WebSocketConstructor
}

/**
 * One logical connection to `/ws` that survives dropped sockets until {@link close}.
 *
 * ```ts
 * const socket = kelmah.socket()
 * socket.on('new_message', (f) => console.log(f.message.content))
 * await socket.connected()
 * const delivered = await socket.sendMessage({ type: 'chat', recipientId, message: 'Hello' })
 * ```
 */
export class KelmahSocket {
  readonly #opts: Required<Omit<SocketOptions, 'WebSocket'>> & { WebSocket?: WebSocketConstructor }
  readonly #listeners = new Map<string, Set<(frame: never) => void>>()
  readonly #pending = new Map<string, Pending>()
  #ws: WebSocketLike | undefined
  #attempt = 0
  #closed = false
  #timer: ReturnType<typeof setTimeout> | undefined
  #hello: ServerFrameOf<'hello'> | undefined
  /** How many times a socket was opened (1 = never reconnected). */
  connections = 0

  constructor(opts: SocketOptions) {
    this.#opts = { initialDelayMs: 250, maxDelayMs: 15_000, ...opts }
    void this.#connect()
  }

  /** Whether a socket is open and greeted (`hello` received). */
  get isOpen(): boolean {
    return this.#hello !== undefined && this.#ws?.readyState === OPEN
  }

  /** Messages sent and not yet acknowledged (resent after a reconnect). */
  get unacknowledged(): number {
    return this.#pending.size
  }

  /**
   * Listen to server frames of `type` (`'*'` for all). @returns a function that stops listening
   */
  on<T extends keyof ServerFrames>(type: T, listener: Listener<T>): () => void
  on(type: '*', listener: (frame: ServerFrame) => void): () => void
  on(type: string, listener: (frame: never) => void): () => void {
    let set = this.#listeners.get(type)
    if (!set) this.#listeners.set(type, (set = new Set()))
    set.add(listener)
    return () => set.delete(listener)
  }

  /**
   * The next frame of `type` that satisfies `match`.
   * @throws Error after `timeoutMs` (default 10 000)
   */
  next<T extends keyof ServerFrames>(
    type: T,
    match: (frame: ServerFrameOf<T>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<ServerFrameOf<T>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off()
        reject(new Error(`no ${type} frame within ${timeoutMs} ms`))
      }, timeoutMs)
      const off = this.on(type, (frame) => {
        if (!match(frame)) return
        clearTimeout(timer)
        off()
        resolve(frame)
      })
    })
  }

  /** Resolves with the `hello` frame of the current socket (waiting for one when not open). */
  connected(timeoutMs = 10_000): Promise<ServerFrameOf<'hello'>> {
    if (this.isOpen && this.#hello) return Promise.resolve(this.#hello)
    return this.next('hello', () => true, timeoutMs)
  }

  /**
   * Send a frame now if a socket is open (typing, receipts, presence, calls: stale once the
   * connection is lost, so never queued). @returns whether it was sent
   */
  send(frame: ClientFrame): boolean {
    if (!this.isOpen) return false
    this.#ws!.send(JSON.stringify(frame))
    return true
  }

  /**
   * Send a chat message (`chat` to a user, `send_message` to a conversation) at least once: it
   * gets a `clientId` (unless it has one), goes now or after the next (re)connect, and is sent
   * again after every reconnect until acknowledged.
   *
   * @returns the `message_delivered` frame (`duplicate: true` when a resend was already stored)
   * @throws KelmahSocketError when the server refuses it (`blocked`, `not_found`, …);
   *   Error when the socket is closed first
   */
  sendMessage(frame: MessageFrame): Promise<ServerFrameOf<'message_delivered'>> {
    const clientId = frame.clientId ?? crypto.randomUUID()
    return new Promise((resolve, reject) => {
      const pending: Pending = { frame: { ...frame, clientId }, resolve, reject }
      this.#pending.set(clientId, pending)
      if (this.isOpen) this.#ws!.send(JSON.stringify(pending.frame))
    })
  }

  /** Close for good: no reconnect; unacknowledged sends are rejected. */
  close(): void {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#ws?.close(1000, 'client closed')
    for (const p of this.#pending.values())
      p.reject(new Error('socket closed before the message was acknowledged'))
    this.#pending.clear()
  }

  /**
   * Drop the current socket as a network failure would (it reconnects with back-off). For tests
   * and for callers that know the network changed.
   */
  drop(): void {
    this.#ws?.close(4000, 'client dropped')
  }

  #emit(frame: ServerFrame): void {
    for (const type of [frame.type, '*'])
      for (const l of this.#listeners.get(type) ?? []) (l as (f: ServerFrame) => void)(frame)
  }

  async #connect(): Promise<void> {
    if (this.#closed) return
    let ws: WebSocketLike
    try {
      const [Ctor, token] = await Promise.all([
        this.#opts.WebSocket ? Promise.resolve(this.#opts.WebSocket) : defaultWebSocket(),
        this.#opts.token(),
      ])
      if (this.#closed) return
      ws = new Ctor(`${this.#opts.url}?token=${encodeURIComponent(token)}`)
    } catch {
      return this.#schedule()
    }
    this.#ws = ws
    this.#hello = undefined
    ws.addEventListener('message', (event: { data: unknown }) => this.#onMessage(ws, event.data))
    ws.addEventListener('error', () => undefined)
    ws.addEventListener('close', () => {
      if (this.#ws !== ws) return
      this.#ws = undefined
      this.#hello = undefined
      this.#schedule()
    })
  }

  #schedule(): void {
    if (this.#closed) return
    const base = Math.min(this.#opts.maxDelayMs, this.#opts.initialDelayMs * 2 ** this.#attempt)
    this.#attempt++
    // Full jitter over the upper half: many clients dropped at once do not reconnect in step.
    const delay = base / 2 + Math.random() * (base / 2)
    this.#timer = setTimeout(() => void this.#connect(), delay)
  }

  #onMessage(ws: WebSocketLike, data: unknown): void {
    let frame: ServerFrame
    try {
      frame = JSON.parse(typeof data === 'string' ? data : String(data)) as ServerFrame
    } catch {
      return
    }
    if (frame.type === 'hello') {
      this.#hello = frame
      this.#attempt = 0
      this.connections++
      // Resend everything unacknowledged, in the order it was first sent.
      for (const p of this.#pending.values()) ws.send(JSON.stringify(p.frame))
    } else if (frame.type === 'message_delivered' && frame.clientId) {
      const p = this.#pending.get(frame.clientId)
      if (p) {
        this.#pending.delete(frame.clientId)
        p.resolve(frame)
      }
    } else if (frame.type === 'error' && frame.clientId) {
      const p = this.#pending.get(frame.clientId)
      if (p) {
        this.#pending.delete(frame.clientId)
        p.reject(new KelmahSocketError(frame))
      }
    }
    this.#emit(frame)
  }
}
