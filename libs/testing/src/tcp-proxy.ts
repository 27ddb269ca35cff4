/**
 * A TCP proxy for fault injection: put it between a client and a real server (RabbitMQ, Redis,
 * an upstream) and cut every connection at will — the broker itself is never stopped.
 */
import net from 'node:net'

/** A running proxy. */
export interface TcpProxy {
  /** The port to connect to instead of the target's. */
  port: number
  /** Connections currently open through the proxy. */
  readonly connections: number
  /** Destroy every open connection (both sides); new connections are still accepted. */
  cut(): void
  /** Refuse (immediately close) new connections until `resume()`. */
  pause(): void
  resume(): void
  close(): Promise<void>
}

/**
 * Start a proxy on 127.0.0.1, port 0, forwarding to `target`.
 *
 * @param target - `{host, port}` of the real server
 */
export async function tcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>()
  let paused = false
  const server = net.createServer((client) => {
    if (paused) return client.destroy()
    const upstream = net.connect(target.port, target.host)
    sockets.add(client).add(upstream)
    const drop = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const cut = () => {
    for (const s of sockets) s.destroy()
    sockets.clear()
  }
  return {
    port: (server.address() as net.AddressInfo).port,
    get connections() {
      return Math.floor(sockets.size / 2)
    },
    cut,
    pause() {
      paused = true
    },
    resume() {
      paused = false
    },
    async close() {
      cut()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
