/**
 * "Does it answer?" checks for each piece of infrastructure, done with the real protocol (a
 * MongoDB `ping`, an AMQP handshake, a Redis `PING`, an HTTP GET) rather than an open port,
 * because a port can be open long before the server behind it serves.
 */
import net from 'node:net'
import amqp from 'amqplib'
import { Redis } from 'ioredis'
import { MongoClient } from 'mongodb'

/** How long one probe may take, in milliseconds. */
const PROBE_TIMEOUT_MS = 2_000

/** Whether a MongoDB-compatible server at `url` answers `{ ping: 1 }` on the admin database. */
export async function mongoAnswers(url: string): Promise<boolean> {
  const client = new MongoClient(url, {
    serverSelectionTimeoutMS: PROBE_TIMEOUT_MS,
    connectTimeoutMS: PROBE_TIMEOUT_MS,
    directConnection: true,
  })
  try {
    await client.connect()
    const res = await client.db('admin').command({ ping: 1 })
    return res.ok === 1
  } catch {
    return false
  } finally {
    await client.close().catch(() => undefined)
  }
}

/** Whether a broker at `url` completes an AMQP 0-9-1 connection handshake (credentials included). */
export async function amqpAnswers(url: string): Promise<boolean> {
  try {
    const conn = await amqp.connect(url, { timeout: PROBE_TIMEOUT_MS })
    conn.on('error', () => undefined)
    await conn.close()
    return true
  } catch {
    return false
  }
}

/** Whether a Redis server at `url` replies `PONG` to `PING`. */
export async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  })
  redis.on('error', () => undefined)
  try {
    await redis.connect()
    return (await redis.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    redis.disconnect()
  }
}

/** Whether something accepts TCP connections on `host:port` (used for SMTP, which has no cheap probe here). */
export function tcpAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/** Whether `url` answers an HTTP GET with any status below 500 (stripe-mock answers 401 without a key). */
export async function httpAnswers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })
    await res.arrayBuffer()
    return res.status < 500
  } catch {
    return false
  }
}

/**
 * Polls `check` until it resolves true.
 *
 * @param timeoutMs - give up after this many milliseconds.
 * @param intervalMs - pause between attempts, in milliseconds.
 * @param stillWorth - called between attempts; returning false stops waiting early (e.g. the process died).
 * @returns true when the check passed, false on timeout or when `stillWorth` said stop.
 */
export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  { intervalMs = 250, stillWorth = () => true }: { intervalMs?: number; stillWorth?: () => boolean } = {},
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return true
    if (Date.now() >= deadline || !stillWorth()) return false
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}
