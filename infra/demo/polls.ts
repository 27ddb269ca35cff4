/** Waiting for the eventual things of the demo story (infra/demo.ts). */
import { ok } from '@kelmah/sdk'
import type { Account } from './accounts.js'
import { type Job, sleep } from './marketplace.js'

export { sleep } from './marketplace.js'

/** Poll `GET /api/jobs/recommended` until it lists `jobId` or the time is up. */
export async function pollRecommended(worker: Account, jobId: string, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const page = await ok(
      worker.kelmah.api.GET('/api/jobs/recommended', { params: { query: { limit: 100 } } }),
    )
    if (page.items.some((r) => r.job.id === jobId)) return true
    if (Date.now() > deadline) return false
    await sleep(500)
  }
}

/** Read the job until its status is `status` or the time is up; returns the last read. */
export async function pollJobStatus(
  account: Account,
  jobId: string,
  status: string,
  waitMs: number,
): Promise<Job> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const job = await ok(account.kelmah.api.GET('/api/jobs/{id}', { params: { path: { id: jobId } } }))
    if (job.status === status || Date.now() > deadline) return job
    await sleep(300)
  }
}
