/**
 * Handles on the machine's real RabbitMQ and FerretDB for bus tests, with unique names per test
 * and cleanup registered on the tap test.
 */
import { randomBytes } from 'node:crypto'
import amqp from 'amqplib'
import mongoose, { type Connection } from 'mongoose'
import { pino, type Logger } from 'pino'
import { Bus, queueNames, type BusOptions } from '../../src/index.js'

/** RabbitMQ URL (the machine's broker). */
export const AMQP_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
/** FerretDB / MongoDB base URL. */
export const MONGO_URL = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017'

/** A short random suffix for unique names. */
export function suffix(): string {
  return randomBytes(4).toString('hex')
}

/** A logger for tests: silent unless `BUS_TEST_LOG` names a level. */
export function testLogger(): Logger {
  return pino({ level: process.env.BUS_TEST_LOG ?? 'silent' })
}

/** Minimal view of a tap test used for teardown. */
interface TeardownTarget {
  teardown(fn: () => unknown): void
}

/** Unique, self-cleaning infrastructure for one test. */
export interface TestInfra {
  /** mongoose connection to a fresh database `bus_test_<suffix>`. */
  db: Connection
  /** A unique exchange name. */
  exchange: string
  /** A unique service name (queue prefix). */
  service: string
  /** Retry delays every bus made here uses (tiny, in ms). */
  retryDelaysMs: number[]
  /** A bus on this infrastructure (closed on teardown); overrides go last. */
  bus(overrides?: Partial<BusOptions>): Bus
}

/**
 * Make unique infrastructure for one test. One teardown closes, in order: every bus made here,
 * the consumer queues of `purposes`, the exchange, the database.
 */
export async function testInfra(
  t: TeardownTarget,
  purposes: string[],
  retryDelaysMs = [50, 100],
): Promise<TestInfra> {
  const id = suffix()
  const db = mongoose.createConnection(`${MONGO_URL}/bus_test_${id}`, {
    bufferCommands: false,
    serverSelectionTimeoutMS: 3000,
  })
  await db.asPromise()
  const exchange = `kelmah.test.${id}`
  const service = `t${id}`
  const buses: Bus[] = []
  t.teardown(async () => {
    await Promise.allSettled(buses.map((b) => b.close()))
    await withChannel(async (ch) => {
      for (const p of purposes) {
        const names = queueNames(service, p, retryDelaysMs)
        for (const q of [names.main, ...names.retry, names.dlq]) await ch.deleteQueue(q)
      }
      await ch.deleteExchange(exchange)
    }).catch(() => undefined)
    await db.dropDatabase().catch(() => undefined)
    await db.close()
  })
  return {
    db,
    exchange,
    service,
    retryDelaysMs,
    bus(overrides = {}) {
      const bus = new Bus({
        url: AMQP_URL,
        service,
        exchange,
        inbox: db,
        logger: testLogger(),
        retryDelaysMs,
        reconnectDelayMs: 100,
        publishTimeoutMs: 5000,
        ...overrides,
      })
      buses.push(bus)
      return bus
    },
  }
}

/** Run `fn` on a short-lived channel of the real broker. */
export async function withChannel<R>(fn: (ch: amqp.Channel) => Promise<R>): Promise<R> {
  const conn = await amqp.connect(AMQP_URL)
  try {
    const ch = await conn.createChannel()
    return await fn(ch)
  } finally {
    await conn.close()
  }
}

/** Resolve when `check()` is truthy; reject after `timeoutMs` naming `what`. */
export async function waitFor<R>(
  what: string,
  check: () => R | Promise<R>,
  timeoutMs = 5000,
): Promise<NonNullable<R>> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const r = await check()
    if (r) return r
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((res) => setTimeout(res, 20))
  }
}

/** Sleep `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms))
}

/** Number of ready messages in `queue`. */
export function depth(queue: string): Promise<number> {
  return withChannel(async (ch) => (await ch.checkQueue(queue)).messageCount)
}
