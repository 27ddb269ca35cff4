/**
 * A WebSocket test client (the real `ws` package) that records every JSON frame it receives, so a
 * test can wait for "the next frame like this" or assert that none arrives.
 */
import { WebSocket, type RawData } from 'ws'

/** A received frame. */
export type Frame = { type: string } & Record<string, unknown>

/** A connected test client. */
export interface WsClient {
  ws: WebSocket
  /** Every frame received so far, in order. */
  frames: Frame[]
  /** Send a value as JSON (or a string as is). */
  send(frame: unknown): void
  /**
   * Resolve with the first frame not yet taken that matches (a type name or a predicate); frames
   * taken by an earlier `next` are skipped.
   */
  next(match: string | ((f: Frame) => boolean), timeoutMs?: number): Promise<Frame>
  /** Resolve true when no matching frame arrives within `ms` (and none is pending). */
  none(match: string | ((f: Frame) => boolean), ms: number): Promise<boolean>
  /** Resolve with the close code once the socket is closed. */
  closed(): Promise<number>
  close(): Promise<void>
}

/**
 * Connect and resolve once open; reject with `statusCode` set when the upgrade is refused.
 *
 * @param url - `ws://host:port/ws` (add `?token=` yourself, or pass `headers`)
 */
/** A `ws` message as text (a Buffer by default; chunks or an ArrayBuffer with other `binaryType`s). */
function text(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString()
  return (data instanceof ArrayBuffer ? Buffer.from(data) : data).toString()
}

export function wsClient(url: string, opts: { headers?: Record<string, string> } = {}): Promise<WsClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: opts.headers ?? {} })
    const frames: Frame[] = []
    const taken = new Set<Frame>()
    const waiters = new Set<() => void>()
    let closeCode: number | undefined
    const closeWaiters: Array<(c: number) => void> = []
    ws.on('message', (data) => {
      try {
        frames.push(JSON.parse(text(data)) as Frame)
      } catch {
        frames.push({ type: '__not_json__', raw: text(data) })
      }
      for (const w of [...waiters]) w()
    })
    ws.on('close', (code) => {
      closeCode = code
      for (const w of closeWaiters.splice(0)) w(code)
      for (const w of [...waiters]) w()
    })
    const matcher = (m: string | ((f: Frame) => boolean)) =>
      typeof m === 'string' ? (f: Frame) => f.type === m : m
    const client: WsClient = {
      ws,
      frames,
      send(frame) {
        ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
      },
      next(match, timeoutMs = 5_000) {
        const pred = matcher(match)
        return new Promise((res, rej) => {
          const check = () => {
            const f = frames.find((x) => !taken.has(x) && pred(x))
            if (f) {
              taken.add(f)
              waiters.delete(check)
              clearTimeout(timer)
              res(f)
            }
          }
          const timer = setTimeout(() => {
            waiters.delete(check)
            rej(
              new Error(
                `no frame matching ${typeof match === 'string' ? match : 'predicate'} within ${timeoutMs} ms; got ${frames.map((f) => f.type).join(', ')}`,
              ),
            )
          }, timeoutMs)
          waiters.add(check)
          check()
        })
      },
      async none(match, ms) {
        const pred = matcher(match)
        await new Promise((r) => setTimeout(r, ms))
        return !frames.some((x) => !taken.has(x) && pred(x))
      },
      closed() {
        if (closeCode !== undefined) return Promise.resolve(closeCode)
        return new Promise((r) => closeWaiters.push(r))
      },
      async close() {
        if (ws.readyState === WebSocket.CLOSED) return
        const done = client.closed()
        ws.close()
        await Promise.race([done, new Promise((r) => setTimeout(r, 2_000))])
        ws.terminate()
      },
    }
    ws.once('open', () => resolve(client))
    ws.once('unexpected-response', (_req, res) => {
      reject(
        Object.assign(new Error(`upgrade refused: HTTP ${res.statusCode}`), { statusCode: res.statusCode }),
      )
      ws.terminate()
    })
    ws.once('error', reject)
  })
}
