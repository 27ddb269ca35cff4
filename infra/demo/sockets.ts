/**
 * The demo's view of the SDK's chat socket (`kelmah.socket()`, typed frames): every frame received
 * is kept with its arrival time, so a wait for a frame that already arrived (a `new_message`
 * racing the sender's `message_delivered`) still finds it, and an `error` frame fails every wait —
 * nothing the demo sends should cause one.
 */
import {
  type KelmahSocket,
  KelmahSocketError,
  type ServerFrame,
  type ServerFrameOf,
  type ServerFrames,
} from '@kelmah/sdk'
import type { Account } from './accounts.js'

/** Thrown when a socket does not greet in time or a frame does not come. */
export class SocketWaitFailed extends Error {
  override readonly name = 'SocketWaitFailed'
}

/** One user's socket and every frame it received. */
export class RecordedSocket {
  /** Every frame received so far, in arrival order. */
  readonly frames: ServerFrame[] = []
  readonly #arrived = new WeakMap<ServerFrame, number>()
  readonly #waiters = new Set<{ match: (f: ServerFrame) => boolean; settle: (err?: Error) => void }>()

  constructor(
    readonly socket: KelmahSocket,
    onFrame?: (frame: ServerFrame) => void,
  ) {
    socket.on('*', (frame) => {
      this.frames.push(frame)
      this.#arrived.set(frame, Date.now())
      onFrame?.(frame)
      for (const w of this.#waiters) {
        if (frame.type === 'error') w.settle(new KelmahSocketError(frame))
        else if (w.match(frame)) w.settle()
      }
    })
  }

  /** When `frame` (one of {@link frames}) arrived, as `Date.now()` milliseconds. */
  arrivedAt(frame: ServerFrame): number {
    return this.#arrived.get(frame) ?? Number.NaN
  }

  /**
   * The first frame (already received or future) of `type` matching `pred`.
   *
   * @throws SocketWaitFailed on timeout; KelmahSocketError on an `error` frame received while waiting
   */
  waitFor<T extends keyof ServerFrames>(
    type: T,
    pred: (frame: ServerFrameOf<T>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<ServerFrameOf<T>> {
    const match = (f: ServerFrame) => f.type === type && pred(f as unknown as ServerFrameOf<T>)
    const seen = this.frames.find(match) as ServerFrameOf<T> | undefined
    if (seen) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        settle: (err?: Error) => {
          clearTimeout(timer)
          this.#waiters.delete(waiter)
          if (err) reject(err)
          else resolve(this.frames.findLast(match) as unknown as ServerFrameOf<T>)
        },
      }
      const timer = setTimeout(
        () =>
          waiter.settle(
            new SocketWaitFailed(
              `no ${type} frame within ${timeoutMs} ms; got ${this.frames.map((f) => f.type).join(', ') || 'none'}`,
            ),
          ),
        timeoutMs,
      )
      this.#waiters.add(waiter)
    })
  }

  /** Close for good. */
  close(): void {
    this.socket.close()
  }
}

/**
 * Open `account`'s socket (`/ws` through the gateway, a fresh access token) and wait for `hello`.
 *
 * @throws SocketWaitFailed when no `hello` comes within `timeoutMs` (a refused upgrade, e.g. 401,
 *   shows as this: the SDK keeps reconnecting with back-off)
 */
export async function openSocket(
  account: Account,
  timeoutMs: number,
  onFrame?: (frame: ServerFrame) => void,
): Promise<{ socket: RecordedSocket; hello: ServerFrameOf<'hello'> }> {
  const socket = new RecordedSocket(account.kelmah.socket(), onFrame)
  try {
    const hello = await socket.socket.connected(timeoutMs)
    return { socket, hello }
  } catch (err) {
    socket.close()
    throw new SocketWaitFailed(`no hello on /ws within ${timeoutMs} ms: ${(err as Error).message}`)
  }
}
