/** Waiting for the eventual things of the demo story (infra/demo.ts). */
import type { Session } from '../api/accounts.js'
import { type Job, type Page, unwrap } from '../api/marketplace.js'

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Poll `GET /api/jobs/recommended` until it lists `jobId` or the time is up. */
export async function pollRecommended(worker: Session, jobId: string, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const res = await worker.call<Page<{ job?: Job; id?: string }>>(
      'GET',
      '/api/jobs/recommended?limit=100',
      { expect: [200] },
    )
    if (res.body.items.some((r) => (r.job?.id ?? r.id) === jobId)) return true
    if (Date.now() > deadline) return false
    await sleep(500)
  }
}

/** Read the job until its status is `status` or the time is up; returns the last read. */
export async function pollJobStatus(
  session: Session,
  jobId: string,
  status: string,
  waitMs: number,
): Promise<Job> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const res = await session.call('GET', `/api/jobs/${jobId}`, { expect: [200] })
    const job = unwrap<Job>(res.body, 'job')
    if (job.status === status || Date.now() > deadline) return job
    await sleep(300)
  }
}
