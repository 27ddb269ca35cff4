/**
 * A TCP proxy for fault injection: the code under test connects to the proxy, the proxy to the
 * real service. `cut()` destroys every open connection (as a broker restart or a network fault
 * would) while the proxy keeps listening so clients can reconnect; `close()` also stops listening.
 * Never stop the machine's shared broker to test recovery — cut a proxy instead.
 */
import net from 'node:net'

/** A running proxy. */
export interface TcpProxy {
  /** The port the proxy listens on (127.0.0.1). */
  readonly port: number
  /** Connections currently open through the proxy. */
  readonly connections: number
  /** Destroy every open connection; keep listening. */
  cut(): void
  /** Destroy every open connection and stop listening. */
  close(): Promise<void>
}

/**
 * Start a proxy on 127.0.0.1, port 0 (a free one), forwarding to `target`.
 *
 * @param target - where to forward, e.g. `{ host: '127.0.0.1', port: 5672 }`
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host)
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(a)
      a.on('error', () => b.destroy())
      a.on('close', () => {
        sockets.delete(a)
        b.destroy()
      })
    }
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as net.AddressInfo).port
  const cut = () => {
    for (const s of sockets) s.destroy()
    sockets.clear()
  }
  return {
    port,
    get connections() {
      return Math.floor(sockets.size / 2)
    },
    cut,
    close: () =>
      new Promise<void>((resolve) => {
        cut()
        server.close(() => resolve())
      }),
  }
}
