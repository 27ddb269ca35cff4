/**
 * `npm run bench:hiring` — the latency of accepting an application on a job with 50 applications,
 * through the gateway of a whole stack started from a checkout (`bench-stack.ts`: real processes,
 * databases, Redis keys and a RabbitMQ vhost of the run's own). Each round posts a fresh job,
 * has every worker apply, waits for quiet, then times `POST /api/applications/{id}/accept`, and
 * then how long until none of the other 49 reads `pending` any more (the hirer's list of the job's
 * applications, polled every 20 ms): since issue 11 the job service's `ContractCreated` consumer
 * rejects them after the accept answers; before, the accept did it on the request path. Prints
 * p50/p95/max of the accept and p50/max of "all others rejected" (from the accept's start) per
 * checkout with the load average before and after; target p95 ≤ 150 ms (issue 11).
 *
 * Options: `--repo <path>` (repeatable: the checkouts run one after the other, then a side-by-side
 * line; default this one — see `round-trips.ts` for a checkout's `node_modules`), `--rounds 10`,
 * `--applications 50`, `--json <file>`.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { createKelmah, ok } from '@kelmah/sdk'
import { type Account, signUp } from '../demo/accounts.js'
import { apply, postJob, sleep } from '../demo/marketplace.js'
import { isMain, REPO_ROOT } from '../paths.js'
import { startBenchStack } from './bench-stack.js'
import { loadAverage, QUIET_ENV } from './round-trips.js'

/** One checkout's figures. */
export interface HiringRun {
  repo: string
  rounds: number
  applications: number
  /** Accept latencies, ms, in round order. */
  ms: number[]
  p50: number
  p95: number
  max: number
  /** Per round, ms from the accept's start until no other application reads `pending`. */
  othersRejectedMs: number[]
  othersRejectedP50: number
  othersRejectedMax: number
  loadBefore: string
  loadAfter: string
}

/** The `q`-quantile (0..1) of `values` (nearest rank). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

/** Run the bench against one checkout. */
export async function benchHiring(o: {
  repo: string
  rounds: number
  applications: number
  log: (line: string) => void
}): Promise<HiringRun> {
  o.log(`starting the apps of ${o.repo} …`)
  const stack = await startBenchStack({ repo: o.repo, prefix: 'hire', env: QUIET_ENV })
  const ms: number[] = []
  const othersRejectedMs: number[] = []
  let loadBefore: string
  try {
    const tag = stack.run.replace(/[^a-z0-9]/gi, '')
    const person = (role: 'hirer' | 'worker', i: number) =>
      signUp(createKelmah({ baseUrl: stack.gatewayUrl }), stack.urls.MAILDEV_URL, {
        email: `hire-${role}-${i}-${tag}@bench.kelmah.test`,
        password: 'Kelmah-bench-2026!',
        name: `${role} ${i}`,
        role,
      })
    const hirer = await person('hirer', 0)
    const workers: Account[] = []
    for (let i = 0; i < o.applications; i += 10)
      workers.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(10, o.applications - i) }, (_, k) => person('worker', i + k)),
        )),
      )
    o.log(`${workers.length} workers signed up`)
    loadBefore = loadAverage()
    for (let round = 0; round < o.rounds; round++) {
      const job = await postJob(hirer, {
        title: `Booking website, round ${round} ${tag}`,
        description: 'A booking website: room calendar, online payment, e-mail confirmations.',
        category: 'web-development',
        skills: ['react'],
        budget: { type: 'fixed', amountMinor: 150_000, currency: 'USD' },
        duration: '1_to_3_months',
        experienceLevel: 'intermediate',
      })
      const ids: string[] = []
      for (let i = 0; i < workers.length; i += 10)
        ids.push(
          ...(
            await Promise.all(
              workers.slice(i, i + 10).map((w) =>
                apply(w, job.id, {
                  coverLetter: 'I have built booking sites like this one.',
                  bid: { amountMinor: 140_000, currency: 'USD' },
                  estimatedDays: 30,
                }),
              ),
            )
          ).map((a) => a.id),
        )
      await sleep(2_000) // the applications' events relayed and consumed
      const chosen = ids[round % ids.length]!
      const t0 = performance.now()
      await ok(
        hirer.kelmah.api.POST('/api/applications/{id}/accept', {
          params: { path: { id: chosen } },
          body: {},
        }),
      )
      const took = performance.now() - t0
      ms.push(Math.round(took))
      for (let polls = 0; ; polls++) {
        const pending = await ok(
          hirer.kelmah.api.GET('/api/jobs/{id}/applications', {
            params: { path: { id: job.id }, query: { status: 'pending', limit: 1 } },
          }),
        )
        if (pending.items.length === 0) break
        if (polls > 3000) throw new Error(`round ${round + 1}: the others still pending after a minute`)
        await sleep(20)
      }
      const settled = performance.now() - t0
      othersRejectedMs.push(Math.round(settled))
      o.log(
        `round ${round + 1}/${o.rounds}: accept ${Math.round(took)} ms, all others rejected at ${Math.round(settled)} ms`,
      )
    }
  } catch (err) {
    o.log(`failed; the apps' last lines:\n${stack.tail(40)}`)
    throw err
  } finally {
    await stack.stop()
  }
  return {
    repo: o.repo,
    rounds: o.rounds,
    applications: o.applications,
    ms,
    p50: quantile(ms, 0.5),
    p95: quantile(ms, 0.95),
    max: Math.max(...ms),
    othersRejectedMs,
    othersRejectedP50: quantile(othersRejectedMs, 0.5),
    othersRejectedMax: Math.max(...othersRejectedMs),
    loadBefore,
    loadAfter: loadAverage(),
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      repo: { type: 'string', multiple: true },
      rounds: { type: 'string', default: '10' },
      applications: { type: 'string', default: '50' },
      json: { type: 'string' },
    },
  })
  const repos = (values.repo?.length ? values.repo : [REPO_ROOT]).map((r) => path.resolve(r))
  const runs: HiringRun[] = []
  for (const repo of repos)
    runs.push(
      await benchHiring({
        repo,
        rounds: Math.max(1, Number(values.rounds)),
        applications: Math.max(1, Number(values.applications)),
        log: (line) => process.stderr.write(`[hiring] ${line}\n`),
      }),
    )
  const lines = [
    `| checkout | applications | rounds | accept p50 ms | p95 ms | max ms | all others rejected p50 ms | max ms | load before → after |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|---|`,
    ...runs.map(
      (r) =>
        `| ${r.repo} | ${r.applications} | ${r.rounds} | ${r.p50} | ${r.p95} | ${r.max} | ${r.othersRejectedP50} | ${r.othersRejectedMax} | ${r.loadBefore} → ${r.loadAfter} |`,
    ),
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
  if (values.json) await fs.writeFile(values.json, JSON.stringify(runs, null, 2))
}

if (isMain(import.meta.url)) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
      process.exit(1)
    },
  )
}
