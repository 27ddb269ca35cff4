/**
 * `npm run seed`: fill a running Kelmah (`npm start`) with realistic data through the gateway's
 * public API — accounts verified by mailed code, complete profiles, jobs, applications, shortlists
 * and signed contracts, and the money of a few of them (`--paid`: each milestone funded, its Stripe
 * webhook delivered signed, submitted, approved and released to the worker's wallet). Text is
 * reproducible with `--seed`; e-mail addresses are unique per run.
 *
 *   npm run seed -- --users=200 --jobs=1000 --seed=1 --concurrency=8 --paid=5
 *
 * `--concurrency` bounds sign-ups in flight; job-service calls use at most 6 (it runs its database
 * commands one at a time, so more would only queue there). Every item starts as soon as what it
 * needs exists (a job once its hirer is signed in, an application once its job and worker exist;
 * infra/seed/pipeline.ts), so the phases overlap. `--timings` prints each route's calls with
 * their p50/p95 after the summary.
 *
 * Environment: `KELMAH_URL` (gateway, default http://127.0.0.1:5000), `MAILDEV_URL` (default
 * http://127.0.0.1:1080), `STRIPE_WEBHOOK_SECRET` (default `whsec_kelmah_local`, the payment
 * service's local default) to sign the webhooks. The gateway's per-IP limit on sign-ups and sign-ins
 * (`RATE_LIMIT_AUTH_MAX`) is raised by `npm start` for this; against a stricter gateway the seed
 * waits out each 429 as its `Retry-After` says (slow, but it finishes).
 */
import { parseArgs } from 'node:util'
import { isMain } from './paths.js'
import { seed } from './seed/run.js'

/** Parse `--users=N --jobs=N --seed=N --concurrency=N --paid=N --timings`. @throws Error naming a bad flag */
export function seedArgs(argv: string[]): {
  users: number
  jobs: number
  seed: number
  concurrency: number
  paid: number
  timings: boolean
} {
  const { values } = parseArgs({
    args: argv,
    options: {
      users: { type: 'string', default: '200' },
      jobs: { type: 'string', default: '1000' },
      seed: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '8' },
      paid: { type: 'string', default: '5' },
      timings: { type: 'boolean', default: false },
    },
    strict: true,
  })
  const int = (name: keyof typeof values, min: number) => {
    const n = Number(values[name])
    if (!Number.isInteger(n) || n < min)
      throw new Error(`--${name} must be an integer ≥ ${min} (got ${values[name]})`)
    return n
  }
  return {
    users: int('users', 2),
    jobs: int('jobs', 0),
    seed: int('seed', 0),
    concurrency: int('concurrency', 1),
    paid: int('paid', 0),
    timings: values.timings ?? false,
  }
}

if (isMain(import.meta.url)) {
  try {
    const args = seedArgs(process.argv.slice(2))
    const summary = await seed({
      ...args,
      baseUrl: process.env.KELMAH_URL ?? 'http://127.0.0.1:5000',
      maildevUrl: process.env.MAILDEV_URL ?? 'http://127.0.0.1:1080',
    })
    process.exitCode = summary.failures > 0 ? 1 : 0
  } catch (err) {
    console.error(`[seed] ${(err as Error).message}`)
    process.exitCode = 1
  }
}
