/**
 * Where the test infrastructure is. `npm test` runs under `infra/with-infra.ts`, which starts
 * what is missing and exports these variables; the defaults match a developer machine.
 */
import { randomBytes } from 'node:crypto'

/** URLs of the real infrastructure tests talk to. */
export interface TestEnv {
  /** Server URL without a database path, e.g. `mongodb://127.0.0.1:27017`. */
  mongoUrl: string
  amqpUrl: string
  redisUrl: string
  smtpUrl: string
  /** MailDev's REST API. */
  maildevUrl: string
}

/** Read the test infrastructure's URLs from the environment. */
export function testEnv(): TestEnv {
  const mongo = new URL(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017')
  mongo.pathname = ''
  return {
    mongoUrl: mongo.toString().replace(/\/$/, ''),
    amqpUrl: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    smtpUrl: process.env.SMTP_URL ?? 'smtp://127.0.0.1:1025',
    maildevUrl: process.env.MAILDEV_URL ?? 'http://127.0.0.1:1080',
  }
}

/** A name no other test run uses: `<prefix>_<12 hex>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`
}

/** A MongoDB URL for a fresh, uniquely named database (drop it in teardown with `dropDatabase`). */
export function uniqueMongoUrl(prefix: string): string {
  return `${testEnv().mongoUrl}/${uniqueName(prefix)}`
}
