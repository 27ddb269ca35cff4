/**
 * Brings up the local infrastructure, idempotently: each part that already answers is used as it
 * is, each part that does not is started (and recorded in `.data/run/` for `infra/down.ts`).
 *
 * | part | default | override |
 * | --- | --- | --- |
 * | MongoDB (FerretDB 1.24.2 on PostgreSQL, or SQLite) | mongodb://127.0.0.1:27017 | MONGO_URL, KELMAH_FERRETDB_PORT, FERRETDB_BACKEND |
 * | PostgreSQL for FerretDB (the machine's) | postgres://postgres@127.0.0.1:5432 | KELMAH_POSTGRES_URL |
 * | RabbitMQ (the machine's) | amqp://guest:guest@127.0.0.1:5672 | AMQP_URL |
 * | Redis (the machine's) | redis://127.0.0.1:6379 | REDIS_URL, KELMAH_REDIS_PORT |
 * | MailDev (SMTP sink + web/REST) | smtp://127.0.0.1:1025, http://127.0.0.1:1080 | SMTP_URL (+ MAILDEV_URL), KELMAH_MAILDEV_SMTP_PORT, KELMAH_MAILDEV_WEB_PORT |
 * | stripe-mock | http://127.0.0.1:12111 (https 12112) | STRIPE_API_URL, KELMAH_STRIPE_MOCK_PORT |
 *
 * A `*_URL` that is set is only checked, never started: it names something someone else runs.
 * `FERRETDB_BACKEND` is `postgresql` (default) or `sqlite`; it applies to a FerretDB started here,
 * and FerretDB's database is `ferretdb` (`ferretdb_test` for test runs, `_<port>` appended for a
 * `KELMAH_FERRETDB_PORT` instance). Why PostgreSQL, and the figures: docs/ferretdb.md.
 *
 * Run: `npm run infra:up` (prints the URLs as JSON on stdout).
 */
import { stopStarted, type StartedName } from './down.js'
import { InfraError } from './errors.js'
import { isMain } from './paths.js'
import type { Ctx } from './up/context.js'
import { ensureMongo } from './up/ferretdb.js'
import { ensureMaildev } from './up/maildev.js'
import { ensureRabbitmq } from './up/rabbitmq.js'
import { ensureRedis } from './up/redis.js'
import { ensureStripeMock } from './up/stripe-mock.js'

export { InfraError } from './errors.js'
export { type FerretdbBackend, ferretdbBackend, ferretdbDatabase } from './up/ferretdb.js'

/** Connection URLs of the local infrastructure, named as the apps' environment variables. */
export interface InfraUrls {
  /** MongoDB server, no database in the path (apps add `/kelmah_<name>`). */
  MONGO_URL: string
  AMQP_URL: string
  REDIS_URL: string
  /** SMTP server that accepts any mail (MailDev locally). */
  SMTP_URL: string
  /** MailDev's web UI and REST API (`GET <MAILDEV_URL>/api/email`); empty when SMTP_URL was given without it. */
  MAILDEV_URL: string
  /** Stripe API base URL (stripe-mock locally). */
  STRIPE_API_URL: string
}

/** What `up()` found and did. */
export interface UpResult {
  urls: InfraUrls
  /**
   * Processes this call started (pid files in `.data/run/`), in start order; pass them to
   * `down({ only })`. `postgresql` is the machine's PostgreSQL cluster, when this call started it.
   */
  started: StartedName[]
  /** Parts that were already answering and are used as they are. */
  reused: string[]
}

/** Options of {@link up}. */
export interface UpOptions {
  /** Environment to read URLs and ports from (default `process.env`). */
  env?: NodeJS.ProcessEnv
  /** Progress lines (default: stderr with an `[infra]` prefix). */
  log?: (line: string) => void
  /**
   * Throwaway data (test runs). A FerretDB started here uses, on PostgreSQL, its own database
   * `ferretdb_test` (dropped and created again, `synchronous_commit = off`); on SQLite, files in
   * memory (`/dev/shm`, emptied first) instead of `.data/`. Nothing of a test run is worth
   * keeping; the figures behind both choices are in docs/ferretdb.md.
   */
  ephemeral?: boolean
}

/**
 * Makes sure MongoDB, RabbitMQ, Redis, an SMTP sink and a Stripe API answer, starting what is
 * missing (see the table at the top of this file). Safe to call again: things that answer are
 * reused, nothing is started twice.
 *
 * When any part fails, the processes this call started are stopped again before it throws.
 *
 * @returns the URLs, and the names of the processes this call started.
 * @throws {InfraError} naming what is missing and how to get it, or which log to read.
 */
export async function up(options: UpOptions = {}): Promise<UpResult> {
  const ctx: Ctx = {
    env: options.env ?? process.env,
    ephemeral: options.ephemeral ?? false,
    log: options.log ?? ((line) => process.stderr.write(`[infra] ${line}\n`)),
    started: [],
    reused: [],
  }
  const results = await Promise.allSettled([
    ensureMongo(ctx),
    ensureRabbitmq(ctx),
    ensureRedis(ctx),
    ensureMaildev(ctx),
    ensureStripeMock(ctx),
  ])
  const failures = results
    .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    .map((r) => r.reason as unknown)
  if (failures.length > 0) {
    for (const name of [...ctx.started].reverse()) await stopStarted(name)
    const text = failures.map((e) => (e instanceof Error ? e.message : String(e))).join('\n\n')
    throw new InfraError(text)
  }
  const [mongo, amqpUrl, redis, mail, stripe] = results.map(
    (r) => (r as PromiseFulfilledResult<unknown>).value,
  ) as [string, string, string, { smtp: string; web: string }, string]
  return {
    urls: {
      MONGO_URL: mongo,
      AMQP_URL: amqpUrl,
      REDIS_URL: redis,
      SMTP_URL: mail.smtp,
      MAILDEV_URL: mail.web,
      STRIPE_API_URL: stripe,
    },
    started: ctx.started,
    reused: ctx.reused,
  }
}

if (isMain(import.meta.url)) {
  try {
    const result = await up()
    console.log(JSON.stringify(result, null, 2))
  } catch (err) {
    console.error(err instanceof InfraError ? `infra: ${err.message}` : err)
    process.exit(1)
  }
}
