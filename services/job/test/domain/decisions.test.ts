import { NonRetryableError } from '@kelmah/bus'
import { createEvent } from '@kelmah/contracts'
import { Types } from 'mongoose'
import t from 'tap'
import { moveApplication, moveIfActive } from '../../src/domain/application-status.js'
import {
  cancelByParty,
  milestoneChange,
  paymentFactChange,
  signing,
  submitStep,
} from '../../src/domain/contract-changes.js'
import {
  defaultTerms,
  everyOpeningHeld,
  hireSlot,
  jobAfterContracts,
  newContract,
  positionFilledExcept,
} from '../../src/domain/hiring.js'
import { editJob, newJob } from '../../src/domain/job-fields.js'
import { moveJob } from '../../src/domain/job-status.js'
import type { ApplicationDoc } from '../../src/models/application.js'
import type { ContractDoc } from '../../src/models/contract.js'
import type { JobDoc } from '../../src/models/job.js'

const now = new Date('2026-06-15T12:00:00Z')
const ctx = { producer: 'job' as const, correlationId: 'req-1' }

const job = {
  ...newJob(
    'hirer-1',
    {
      title: ' Build a shop ',
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
  jobTitle: job.title,
  coverLetter: 'I can do it.',
  bid: { amountMinor: 90_000, currency: 'USD' },
  status: 'pending',
  version: 0,
} as unknown as ApplicationDoc
const contract = (over: Partial<ContractDoc> = {}): ContractDoc => ({
  ...newContract(job, application, {}, now),
  hireSlot: hireSlot(job._id, 0),
  outbox: [],
  ...over,
})

t.test(
  'jobs: a new job is normalised; an edit names only what changed; moves follow the machine',
  async (t) => {
    t.match(job, {
      title: 'Build a shop',
      status: 'open',
      publishedAt: now,
      skills: ['react'],
      hiredCount: 0,
    })
    t.equal(editJob(job, { title: 'Build a shop' }, ctx), null, 'nothing changed')
    const edit = editJob(job, { title: 'Build a store', version: 0 }, ctx)
    t.same(Object.keys(edit?.set ?? {}).sort(), ['keywords', 'title'])
    t.match(edit?.events?.[0], { type: 'JobUpdated', correlationId: 'req-1', data: { changed: ['title'] } })
    t.throws(() => editJob(job, { title: 'x y z', version: 3 }, ctx), { code: 'JOB_ERR_CONCURRENT_UPDATE' })
    t.same(moveJob(job, 'closed', { closedAt: now }).set, { status: 'closed', closedAt: now })
    t.throws(() => moveJob(job, 'draft'), { code: 'JOB_ERR_ILLEGAL_TRANSITION' })
  },
)

t.test('applications: moveIfActive skips an application that moved on', async (t) => {
  t.same(moveApplication(application, 'shortlisted').set, { status: 'shortlisted' })
  t.equal(moveIfActive({ status: 'withdrawn' }, 'rejected', {}, []), null)
  t.same(moveIfActive(application, 'accepted', { rejectionReason: null }, [])?.set, {
    status: 'accepted',
    rejectionReason: null,
  })
})

t.test('hiring: the default contract, and what contracts make of the job', async (t) => {
  const c = contract()
  t.match(c, { status: 'pending_signatures', total: { amountMinor: 90_000 }, version: 0, settledVersion: -1 })
  t.equal(c.terms, defaultTerms(job.description, application.coverLetter))
  t.equal(c.milestones.length, 1)
  t.equal(hireSlot(job._id, 1), `${String(job._id)}:1`)
  t.ok(everyOpeningHeld(job, [{ status: 'active' }]))
  t.notOk(everyOpeningHeld(job, [{ status: 'cancelled' }]))
  const [held, freed] = [new Types.ObjectId(), new Types.ObjectId()]
  t.same(
    positionFilledExcept(job, [
      { status: 'pending_signatures', applicationId: held },
      { status: 'cancelled', applicationId: freed },
    ]),
    [held],
    'filled: every other application is rejected, the hired one spared',
  )
  t.equal(positionFilledExcept(job, [{ status: 'cancelled', applicationId: freed }]), null, 'an opening free')
  t.equal(
    positionFilledExcept({ ...job, openings: 2 }, [{ status: 'active', applicationId: held }]),
    null,
    'one of two openings held: nothing is rejected',
  )
  t.same(jobAfterContracts(job, [{ status: 'pending_signatures' }], ctx), {
    set: { hiredCount: 1 },
    events: [],
  })
  const started = jobAfterContracts({ ...job, hiredCount: 1 }, [{ status: 'active' }], ctx)
  t.match(started, {
    set: { status: 'in_progress' },
    events: [{ type: 'JobUpdated', data: { changed: ['status'] } }],
  })
  t.equal(jobAfterContracts({ ...job, hiredCount: 1 }, [{ status: 'pending_signatures' }], ctx), null)
})

t.test('contract changes: signing, cancelling, milestone steps, payment facts', async (t) => {
  const c = contract()
  t.same(signing(c, 'hirer', now, ctx).events, [])
  const second = signing({ ...c, hirerSignedAt: now }, 'worker', now, ctx)
  t.match(second, { set: { status: 'active', activatedAt: now }, events: [{ type: 'ContractSigned' }] })
  t.match(cancelByParty(c, 'worker', 'worker-1', null, now, ctx), {
    set: { status: 'cancelled', hireSlot: `freed:${String(c._id)}` },
    events: [{ type: 'ContractCancelled' }],
  })
  const ms = c.milestones[0]!
  const funded = contract({ status: 'active', milestones: [{ ...ms, status: 'funded' }] })
  t.match(cancelByParty(funded, 'hirer', 'hirer-1', 'no', now, ctx), {
    set: { cancellationRequest: { by: 'hirer-1', reason: 'no', at: now } },
  })
  t.match(milestoneChange(funded, ms.id, submitStep({ note: 'done', deliverables: [] }, ctx), now), {
    set: { milestones: [{ status: 'submitted', submittedAt: now }] },
    events: [{ type: 'MilestoneSubmitted' }],
  })
  t.throws(() => milestoneChange(c, ms.id, submitStep({ note: 'x', deliverables: [] }, ctx), now), {
    code: 'JOB_ERR_CONTRACT_NOT_ACTIVE',
  })
  const base = { contractId: String(c._id), milestoneId: ms.id, amount: ms.amount }
  const escrow = createEvent('EscrowFunded', { ...base, hirerId: 'hirer-1' }, { producer: 'payment' })
  t.equal(paymentFactChange(funded, escrow, now, ctx), null, 'already funded: nothing to do')
  const released = createEvent(
    'PaymentReleased',
    {
      ...base,
      workerId: 'worker-1',
      amount: { amountMinor: 81_000, currency: 'USD' },
      platformFee: { amountMinor: 9000, currency: 'USD' },
    },
    { producer: 'payment' },
  )
  const approved = contract({ status: 'active', milestones: [{ ...ms, status: 'approved' }] })
  t.match(paymentFactChange(approved, released, now, ctx), {
    set: { status: 'completed', completedAt: now, milestones: [{ status: 'released' }] },
    events: [{ type: 'ContractCompleted', correlationId: 'req-1' }],
  })
  t.throws(() => paymentFactChange(funded, released, now, ctx), NonRetryableError)
})
