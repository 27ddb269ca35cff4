/**
 * The decisions where the job and contract state machines meet (`src/domain/job-contracts.ts`):
 * the job's end withdraws unsigned contracts and is refused by a signed one; a contract never
 * signs on an ended job; what the follow-ups do to a live contract on an ended job; which moves
 * must win a fate first. Every cell of the module's table is walked.
 */
import { Types } from 'mongoose'
import t from 'tap'
import { CONTRACT_STATUSES, type ContractStatus } from '../../src/domain/contract.js'
import { hireSlot, newContract } from '../../src/domain/hiring.js'
import {
  assertSignable,
  endingWithJob,
  fateOfMove,
  jobHasEnded,
  planJobEnd,
  withdrawalReason,
} from '../../src/domain/job-contracts.js'
import { JOB_STATUSES, type JobStatus } from '../../src/domain/job-status.js'
import { newJob } from '../../src/domain/job-fields.js'
import type { ApplicationDoc } from '../../src/models/application.js'
import type { ContractDoc } from '../../src/models/contract.js'
import type { JobDoc } from '../../src/models/job.js'

const now = new Date('2026-06-15T12:00:00Z')
const ctx = { producer: 'job' as const, correlationId: 'req-1' }
const job = {
  ...newJob(
    'hirer-1',
    {
      title: 'Build a shop',
      description: 'A shop in React.',
      category: 'web-development',
      skills: ['React'],
      budget: { type: 'fixed', amountMinor: 100_000, currency: 'USD' },
    },
    now,
  ),
  outbox: [],
} as JobDoc
const application = {
  _id: new Types.ObjectId(),
  jobId: job._id,
  hirerId: 'hirer-1',
  workerId: 'worker-1',
  coverLetter: 'I can do it.',
  bid: { amountMinor: 90_000, currency: 'USD' },
  status: 'pending',
} as unknown as ApplicationDoc
const contract = (over: Partial<ContractDoc> = {}): ContractDoc => ({
  ...newContract(job, application, {}, now),
  hireSlot: hireSlot(job._id, 0),
  outbox: [],
  ...over,
})

t.test('jobHasEnded / withdrawalReason / assertSignable', async (t) => {
  const ended = JOB_STATUSES.filter((s) => jobHasEnded(s))
  t.same(ended, ['cancelled', 'closed'], 'closed and cancelled (completed ends with work done)')
  t.ok(jobHasEnded(null), 'a deleted job has ended')
  t.equal(withdrawalReason('closed'), 'job_closed')
  t.equal(withdrawalReason('cancelled'), 'job_cancelled')
  t.equal(withdrawalReason(null), 'job_deleted')
  for (const s of ['open', 'in_progress'] as const) t.doesNotThrow(() => assertSignable(s), s)
  for (const s of ['closed', 'cancelled'] as const)
    t.throws(() => assertSignable(s), { code: 'JOB_ERR_JOB_ENDED', statusCode: 409, message: new RegExp(s) })
})

t.test('planJobEnd: unsigned contracts are withdrawn, a signed one refuses the end', async (t) => {
  const pending = { id: 'c1', status: 'pending_signatures' as const, fate: null }
  t.same(planJobEnd({ status: 'open' }, 'closed', []), { withdraw: [] })
  t.same(
    planJobEnd({ status: 'open' }, 'closed', [
      pending,
      { id: 'c2', status: 'cancelled', fate: 'voided' },
      { id: 'c3', status: 'pending_signatures', fate: 'voided' },
    ]),
    { withdraw: ['c1', 'c3'] },
    'pending ones, also one already voided (a crashed close is repeated)',
  )
  t.same(planJobEnd({ status: 'draft' }, 'cancelled', []), { withdraw: [] })
  t.same(planJobEnd({ status: 'open' }, 'cancelled', [pending]), { withdraw: ['c1'] })
  t.throws(
    () => planJobEnd({ status: 'open' }, 'closed', [{ id: 'c4', status: 'active', fate: 'activated' }]),
    {
      code: 'JOB_ERR_HIRE_IN_PROGRESS',
      statusCode: 409,
      message: /c4/,
    },
  )
  t.throws(
    () =>
      planJobEnd({ status: 'open' }, 'cancelled', [
        pending,
        { id: 'c5', status: 'pending_signatures', fate: 'activated' },
      ]),
    { code: 'JOB_ERR_HIRE_IN_PROGRESS', message: /c5/ },
    'the second signature won its fate and is writing active',
  )
  // The job machine: close only from open; cancel only from draft or open.
  for (const from of JOB_STATUSES) {
    const closeOk = from === 'open'
    const cancelOk = from === 'draft' || from === 'open'
    if (closeOk) t.doesNotThrow(() => planJobEnd({ status: from }, 'closed', []))
    else
      t.throws(() => planJobEnd({ status: from }, 'closed', []), { code: 'JOB_ERR_ILLEGAL_TRANSITION' }, from)
    if (cancelOk) t.doesNotThrow(() => planJobEnd({ status: from }, 'cancelled', []))
    else
      t.throws(
        () => planJobEnd({ status: from }, 'cancelled', []),
        { code: 'JOB_ERR_ILLEGAL_TRANSITION' },
        from,
      )
  }
})

t.test('endingWithJob: every job status × contract status', async (t) => {
  const endable: Record<ContractStatus, boolean> = {
    pending_signatures: true,
    active: true,
    completed: false,
    cancelled: false,
  }
  for (const js of JOB_STATUSES as readonly JobStatus[]) {
    for (const cs of CONTRACT_STATUSES) {
      const decision = endingWithJob(contract({ status: cs }), js, now, ctx)
      if (jobHasEnded(js) && endable[cs]) {
        t.match(
          decision?.set,
          {
            status: 'cancelled',
            hireSlot: /^freed:/,
            cancellation: { reason: withdrawalReason(js), mutual: false },
          },
          `${js} × ${cs} → cancelled`,
        )
        t.match(decision?.events, [
          { type: 'ContractCancelled', data: { refundableMilestoneIds: [], reason: withdrawalReason(js) } },
        ])
      } else t.equal(decision, null, `${js} × ${cs} → left alone`)
    }
  }
  const funded = contract({ status: 'active' })
  funded.milestones = funded.milestones.map((m) => ({ ...m, status: 'funded' as const }))
  t.equal(endingWithJob(funded, 'closed', now, ctx), null, 'money moved: only the parties may end it')
})

t.test('fateOfMove: only leaving pending_signatures needs a fate', async (t) => {
  for (const from of CONTRACT_STATUSES) {
    for (const to of [...CONTRACT_STATUSES, undefined]) {
      const want =
        from === 'pending_signatures' && to === 'active'
          ? 'activated'
          : from === 'pending_signatures' && to === 'cancelled'
            ? 'voided'
            : null
      t.equal(fateOfMove(from, to), want, `${from} → ${String(to)}`)
    }
  }
})
