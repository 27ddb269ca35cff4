import t from 'tap'
import {
  completesContract,
  assertActive,
  assertContractTransition,
  decideCancellation,
  jobStatusAfterContracts,
  partyOf,
  sign,
} from '../../src/domain/contract.js'

const at = new Date('2026-06-15T12:00:00Z')
const unsigned = { status: 'pending_signatures' as const, hirerSignedAt: null, workerSignedAt: null }

t.test(
  'contracts move pending_signatures → active → completed, or to cancelled; the ends are final',
  async (t) => {
    t.doesNotThrow(() => assertContractTransition('pending_signatures', 'active'))
    t.doesNotThrow(() => assertContractTransition('active', 'completed'))
    t.doesNotThrow(() => assertContractTransition('active', 'cancelled'))
    t.throws(() => assertContractTransition('pending_signatures', 'completed'), {
      statusCode: 409,
      code: 'JOB_ERR_CONTRACT_ILLEGAL_TRANSITION',
    })
    t.throws(() => assertContractTransition('completed', 'cancelled'), {
      statusCode: 409,
      code: 'JOB_ERR_CONTRACT_ILLEGAL_TRANSITION',
    })
    t.throws(() => assertContractTransition('cancelled', 'active'), {
      statusCode: 409,
      code: 'JOB_ERR_CONTRACT_ILLEGAL_TRANSITION',
    })
  },
)

t.test('partyOf names the side of a user, or null for a third party', async (t) => {
  const c = { hirerId: 'h', workerId: 'w' }
  t.equal(partyOf(c, 'h'), 'hirer')
  t.equal(partyOf(c, 'w'), 'worker')
  t.equal(partyOf(c, 'x'), null)
})

t.test('sign activates the contract on the second signature, in either order', async (t) => {
  const first = sign(unsigned, 'worker', at)
  t.match(first, { status: 'pending_signatures', workerSignedAt: at, hirerSignedAt: null, activated: false })
  const second = sign(first, 'hirer', at)
  t.match(second, { status: 'active', activated: true, hirerSignedAt: at, workerSignedAt: at })
})

t.test('sign refuses a second signature by the same party and a contract past signing', async (t) => {
  const once = sign(unsigned, 'hirer', at)
  t.throws(() => sign(once, 'hirer', at), { statusCode: 409, code: 'JOB_ERR_ALREADY_SIGNED' })
  t.throws(() => sign({ ...unsigned, status: 'cancelled' }, 'worker', at), {
    code: 'JOB_ERR_CONTRACT_ILLEGAL_TRANSITION',
  })
})

t.test('assertActive refuses milestone work on a contract that is not active', async (t) => {
  t.doesNotThrow(() => assertActive('active'))
  t.throws(() => assertActive('pending_signatures'), { statusCode: 409, code: 'JOB_ERR_CONTRACT_NOT_ACTIVE' })
})

const ms = (...statuses: string[]) => statuses.map((status, i) => ({ id: `m${i}`, status })) as never

t.test('decideCancellation: either party may cancel before both signed', async (t) => {
  for (const party of ['hirer', 'worker'] as const) {
    t.same(decideCancellation({ status: 'pending_signatures', milestones: ms('pending') }, party), {
      kind: 'cancel',
      refundableMilestoneIds: [],
      mutual: false,
    })
  }
})

t.test(
  'decideCancellation: the hirer cancels an active contract at once when nothing is in escrow',
  async (t) => {
    t.match(decideCancellation({ status: 'active', milestones: ms('released', 'pending') }, 'hirer'), {
      kind: 'cancel',
      refundableMilestoneIds: [],
    })
  },
)

t.test(
  'decideCancellation: with escrow the hirer only requests, and the worker agreeing cancels (mutual)',
  async (t) => {
    const contract = {
      status: 'active' as const,
      milestones: ms('released', 'funded', 'submitted', 'pending'),
    }
    t.same(decideCancellation(contract, 'hirer'), { kind: 'request' })
    const requested = { ...contract, cancellationRequest: { by: 'h', at } }
    t.throws(() => decideCancellation(requested, 'hirer'), { code: 'JOB_ERR_CANCEL_NOT_ALLOWED' })
    t.same(decideCancellation(requested, 'worker'), {
      kind: 'cancel',
      refundableMilestoneIds: ['m1', 'm2'],
      mutual: true,
    })
  },
)

t.test(
  'decideCancellation: the worker may walk away; funded, unreleased milestones are refundable',
  async (t) => {
    t.same(
      decideCancellation(
        { status: 'active', milestones: ms('funded', 'revision_requested', 'pending') },
        'worker',
      ),
      {
        kind: 'cancel',
        refundableMilestoneIds: ['m0', 'm1'],
        mutual: false,
      },
    )
  },
)

t.test(
  'decideCancellation: nobody cancels while a milestone is approved or disputed, nor a finished contract',
  async (t) => {
    for (const blocking of ['approved', 'disputed']) {
      for (const party of ['hirer', 'worker'] as const) {
        t.throws(() => decideCancellation({ status: 'active', milestones: ms('funded', blocking) }, party), {
          statusCode: 409,
          code: 'JOB_ERR_CANCEL_NOT_ALLOWED',
        })
      }
    }
    t.throws(() => decideCancellation({ status: 'completed', milestones: ms('released') }, 'hirer'), {
      code: 'JOB_ERR_CONTRACT_ILLEGAL_TRANSITION',
    })
  },
)

t.test('completesContract: every milestone settled and at least one released', async (t) => {
  t.ok(completesContract(ms('released', 'released')))
  t.ok(completesContract(ms('released', 'refunded')), 'a refunded milestone is settled')
  t.notOk(completesContract(ms('refunded', 'refunded')), 'nothing was paid for: the contract stays active')
  t.notOk(completesContract(ms('released', 'approved')))
  t.notOk(completesContract(ms('released', 'disputed')))
  t.notOk(completesContract([]))
})

t.test('jobStatusAfterContracts: the first active contract starts the job', async (t) => {
  t.equal(jobStatusAfterContracts('open', ['active']), 'in_progress')
  t.equal(jobStatusAfterContracts('open', ['pending_signatures']), null)
  t.equal(jobStatusAfterContracts('in_progress', ['active', 'completed']), null)
})

t.test('jobStatusAfterContracts: a job completes when its last running contract completes', async (t) => {
  t.equal(jobStatusAfterContracts('in_progress', ['completed']), 'completed')
  t.equal(jobStatusAfterContracts('in_progress', ['completed', 'cancelled']), 'completed')
  t.equal(jobStatusAfterContracts('in_progress', ['completed', 'pending_signatures']), null)
})

t.test('jobStatusAfterContracts: a job whose contracts were all cancelled opens again', async (t) => {
  t.equal(jobStatusAfterContracts('in_progress', ['cancelled']), 'open')
  t.equal(jobStatusAfterContracts('in_progress', ['cancelled', 'pending_signatures']), 'open')
  t.equal(jobStatusAfterContracts('open', ['cancelled']), null)
})

t.test('jobStatusAfterContracts leaves draft, closed, cancelled and completed jobs alone', async (t) => {
  for (const job of ['draft', 'closed', 'cancelled', 'completed'] as const) {
    t.equal(jobStatusAfterContracts(job, ['active']), null)
    t.equal(jobStatusAfterContracts(job, ['cancelled']), null)
  }
})
