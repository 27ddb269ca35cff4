/**
 * The messaging service as a client sees it through the gateway: a WebSocket at
 * `ws(s)://<gateway>/ws?token=<access token>` speaking JSON frames (`services/messaging/README.md`,
 * "WebSocket protocol"), and the REST shapes of `/api/chat` and `/api/notifications`.
 *
 * {@link ChatSocket} keeps every frame it receives, so a wait for a frame that already arrived
 * (e.g. `new_message` racing the sender's `message_delivered`) still finds it.
 */
import WebSocket from 'ws'

/** A message as the messaging service returns it (fields used here). */
export interface ChatMessage {
  id: string
  conversationId: string
  senderId: string
  content: string
  type: 'text' | 'system' | 'attachment' | 'call'
  createdAt: string
  readAt: string | null
  kind?: string | null
}

/** A conversation (`GET /api/chat/conversations` item). */
export interface Conversation {
  id: string
  participantIds: string[]
  otherParticipantId: string
  /** The job it is about, or null for a direct conversation. */
  jobId: string | null
  createdAt: string
  lastActivityAt: string
  lastMessage: { id: string; senderId: string; type: string; preview: string; createdAt: string } | null
  unreadCount: number
}

/** An in-app notification (`GET /api/notifications` item). */
export interface AppNotification {
  id: string
  kind: string
  title: string
  body: string
  data: Record<string, unknown>
  read: boolean
  createdAt: string
}

/** A server frame: `{type, …}`. */
export type ServerFrame = { type: string } & Record<string, unknown>

/** Thrown when the server answers with an `error` frame, the socket closes, or a wait times out. */
export class ChatSocketError extends Error {
  override readonly name = 'ChatSocketError'
}

/** Options of {@link openChatSocket}. */
export interface ChatSocketOptions {
  /** The gateway's HTTP base URL (`http://…` becomes `ws://…`, `https://…` `wss://…`). */
  baseUrl: string
  /** Access token, sent as `?token=` (as a browser must). */
  accessToken: string
  /** Longest wait for the upgrade and the `hello` frame, ms (default 10 000). */
  timeoutMs?: number
  /** Called with every frame received, e.g. to print it. */
  onFrame?: (frame: ServerFrame) => void
}

/** One open socket of one user. */
export class ChatSocket {
  /** Every frame received so far, in arrival order. */
  readonly frames: ServerFrame[] = []
  /** The `hello` frame the server sent on connect. */
  hello!: ServerFrame
  readonly #ws: WebSocket
  readonly #arrived = new WeakMap<ServerFrame, number>()
  readonly #waiters = new Set<{ pred: (f: ServerFrame) => boolean; settle: (err?: Error) => void }>()
  #closed: Error | undefined

  /** Use {@link openChatSocket}. */
  constructor(ws: WebSocket, onFrame?: (frame: ServerFrame) => void) {
    this.#ws = ws
    ws.on('message', (data) => {
      let frame: ServerFrame
      try {
        frame = JSON.parse(rawText(data)) as ServerFrame
      } catch {
        return // not a frame of the protocol
      }
      this.frames.push(frame)
      this.#arrived.set(frame, Date.now())
      onFrame?.(frame)
      for (const w of this.#waiters) {
        // An error frame fails every wait: nothing the demo sends should cause one.
        if (frame.type === 'error') w.settle(new ChatSocketError(`error frame: ${JSON.stringify(frame)}`))
        else if (w.pred(frame)) w.settle()
      }
    })
    ws.on('close', (code, reason) => {
      this.#closed = new ChatSocketError(
        `socket closed (${code}${reason.length ? ` ${String(reason)}` : ''})`,
      )
      for (const w of this.#waiters) w.settle(this.#closed)
    })
    ws.on('error', () => undefined) // followed by 'close'
  }

  /** When `frame` (one of {@link frames}) arrived, as `Date.now()` milliseconds. */
  arrivedAt(frame: ServerFrame): number {
    return this.#arrived.get(frame) ?? Number.NaN
  }

  /** Send one client frame (JSON). @throws ChatSocketError when the socket is closed */
  send(frame: { type: string } & Record<string, unknown>): void {
    if (this.#closed || this.#ws.readyState !== WebSocket.OPEN)
      throw this.#closed ?? new ChatSocketError('socket is not open')
    this.#ws.send(JSON.stringify(frame))
  }

  /**
   * The first frame (already received or future) of `type` matching `pred`.
   *
   * @throws ChatSocketError on timeout, on an `error` frame received while waiting, or when the
   *   socket closes first
   */
  waitFor<T extends ServerFrame = ServerFrame>(
    type: string,
    pred: (frame: ServerFrame) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<T> {
    const match = (f: ServerFrame) => f.type === type && pred(f)
    const seen = this.frames.find(match)
    if (seen) return Promise.resolve(seen as T)
    if (this.#closed) return Promise.reject(this.#closed)
    return new Promise<T>((resolve, reject) => {
      const waiter = {
        pred: match,
        settle: (err?: Error) => {
          clearTimeout(timer)
          this.#waiters.delete(waiter)
          if (err) reject(err)
          else resolve(this.frames.findLast(match) as T)
        },
      }
      const timer = setTimeout(
        () =>
          waiter.settle(
            new ChatSocketError(
              `no ${type} frame within ${timeoutMs} ms; got ${this.frames.map((f) => f.type).join(', ') || 'none'}`,
            ),
          ),
        timeoutMs,
      )
      this.#waiters.add(waiter)
    })
  }

  /** Close the socket (normal closure) and wait until it is closed (at most 2 s). */
  async close(): Promise<void> {
    if (this.#ws.readyState === WebSocket.CLOSED) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#ws.terminate()
        resolve()
      }, 2_000)
      this.#ws.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
      this.#ws.close(1000)
    })
  }
}

/**
 * Connect to the gateway's `/ws` and wait for the server's `hello`.
 *
 * @throws ChatSocketError when the upgrade is refused (e.g. 401 for a bad token), the socket
 *   closes, or no `hello` arrives within the timeout
 */
export async function openChatSocket(options: ChatSocketOptions): Promise<ChatSocket> {
  const timeoutMs = options.timeoutMs ?? 10_000
  const url = new URL('/ws', options.baseUrl)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  url.searchParams.set('token', options.accessToken)
  const ws = new WebSocket(url, { handshakeTimeout: timeoutMs })
  const socket = new ChatSocket(ws, options.onFrame)
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error) => {
      ws.off('open', onOpen)
      reject(new ChatSocketError(`cannot open ${url.origin}/ws: ${err.message}`))
    }
    const onOpen = () => {
      ws.off('error', fail)
      resolve()
    }
    ws.once('open', onOpen)
    ws.once('error', fail)
    ws.once('unexpected-response', (_req, res) => {
      res.resume()
      ws.terminate()
      fail(new Error(`upgrade answered ${res.statusCode}`))
    })
  })
  try {
    socket.hello = await socket.waitFor('hello', undefined, timeoutMs)
  } catch (err) {
    await socket.close()
    throw err
  }
  return socket
}

/** The text of a `ws` message (a Buffer, a list of Buffers for fragmented frames, or an ArrayBuffer). */
function rawText(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data as ArrayBuffer).toString('utf8')
}
