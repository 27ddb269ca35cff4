import t from 'tap'
import {
  assertMilestoneTransition,
  canMilestoneTransition,
  MILESTONE_STATUSES,
  paymentFactOutcome,
  planMilestones,
} from '../../src/domain/milestone.js'

const bid = { amountMinor: 100_000, currency: 'GHS' }
const now = new Date('2026-06-15T12:00:00Z')

t.test('the happy path pending → funded → submitted → approved → released is legal', async (t) => {
  const path = ['pending', 'funded', 'submitted', 'approved', 'released'] as const
  for (let i = 1; i < path.length; i++)
    t.ok(canMilestoneTransition(path[i - 1]!, path[i]!), `${path[i - 1]} → ${path[i]}`)
})

t.test('the revision loop goes submitted → revision_requested → submitted', async (t) => {
  t.ok(canMilestoneTransition('submitted', 'revision_requested'))
  t.ok(canMilestoneTransition('revision_requested', 'submitted'))
  t.notOk(
    canMilestoneTransition('revision_requested', 'approved'),
    'a revision must be resubmitted before approval',
  )
})

t.test('disputes freeze funded, submitted and revision_requested milestones only', async (t) => {
  for (const s of MILESTONE_STATUSES) {
    t.equal(
      canMilestoneTransition(s, 'disputed'),
      ['funded', 'submitted', 'revision_requested'].includes(s),
      s,
    )
  }
})

t.test('released is final; work cannot skip funding or approval', async (t) => {
  for (const s of MILESTONE_STATUSES) t.notOk(canMilestoneTransition('released', s))
  t.notOk(canMilestoneTransition('pending', 'submitted'))
  t.notOk(canMilestoneTransition('submitted', 'released'))
})

t.test('assertMilestoneTransition throws a 409 naming both states', async (t) => {
  t.throws(() => assertMilestoneTransition('pending', 'approved'), {
    statusCode: 409,
    code: 'JOB_ERR_MILESTONE_ILLEGAL_TRANSITION',
    message: /pending to approved/,
  })
  t.doesNotThrow(() => assertMilestoneTransition('funded', 'submitted'))
})

t.test(
  'paymentFactOutcome applies legal facts, ignores repeats and late ones, rejects contradictions',
  async (t) => {
    t.equal(paymentFactOutcome('pending', 'funded'), 'apply')
    t.equal(paymentFactOutcome('funded', 'funded'), 'noop')
    t.equal(paymentFactOutcome('approved', 'funded'), 'noop', 'already past funded')
    t.equal(paymentFactOutcome('approved', 'released'), 'apply')
    t.equal(paymentFactOutcome('disputed', 'released'), 'apply', 'a dispute resolved for the worker')
    t.equal(paymentFactOutcome('released', 'released'), 'noop')
    t.equal(paymentFactOutcome('submitted', 'released'), 'reject', 'nobody approved it')
    t.equal(paymentFactOutcome('pending', 'released'), 'reject')
    t.equal(paymentFactOutcome('submitted', 'disputed'), 'apply')
    t.equal(paymentFactOutcome('disputed', 'disputed'), 'noop')
    t.equal(paymentFactOutcome('pending', 'disputed'), 'reject', 'nothing in escrow to dispute')
    t.equal(paymentFactOutcome('released', 'disputed'), 'reject')
  },
)

t.test('planMilestones defaults to one milestone for the whole bid, titled after the job', async (t) => {
  t.same(planMilestones({ bid, jobTitle: 'Paint my house', now }), [
    { title: 'Paint my house', amount: bid, dueDate: null },
  ])
})

t.test('planMilestones keeps explicit milestones that add up to the bid', async (t) => {
  const plan = planMilestones({
    bid,
    jobTitle: 'x',
    now,
    drafts: [
      { title: ' Design ', amountMinor: 40_000, dueDate: '2026-06-15' },
      { title: 'Build', amountMinor: 60_000 },
    ],
  })
  t.same(plan, [
    { title: 'Design', amount: { amountMinor: 40_000, currency: 'GHS' }, dueDate: '2026-06-15' },
    { title: 'Build', amount: { amountMinor: 60_000, currency: 'GHS' }, dueDate: null },
  ])
})

t.test('planMilestones refuses amounts that do not add up to the bid, naming milestones', async (t) => {
  t.throws(() => planMilestones({ bid, jobTitle: 'x', now, drafts: [{ title: 'a', amountMinor: 99_999 }] }), {
    statusCode: 400,
    code: 'JOB_ERR_INVALID_MILESTONES',
    fieldErrors: [{ field: 'milestones' }],
  })
})

t.test(
  'planMilestones refuses an empty list, a zero amount and a past due date, naming each field',
  async (t) => {
    t.throws(() => planMilestones({ bid, jobTitle: 'x', now, drafts: [] }), {
      code: 'JOB_ERR_INVALID_MILESTONES',
      fieldErrors: [{ field: 'milestones' }],
    })
    t.throws(
      () =>
        planMilestones({
          bid,
          jobTitle: 'x',
          now,
          drafts: [
            { title: 'a', amountMinor: 0 },
            { title: 'b', amountMinor: 100_000, dueDate: '2026-06-14' },
          ],
        }),
      {
        code: 'JOB_ERR_INVALID_MILESTONES',
        fieldErrors: [{ field: 'milestones.0.amountMinor' }, { field: 'milestones.1.dueDate' }],
      },
    )
  },
)

t.test('planMilestones refuses fractional minor units', async (t) => {
  t.throws(
    () => planMilestones({ bid, jobTitle: 'x', now, drafts: [{ title: 'a', amountMinor: 100_000.5 }] }),
    {
      code: 'JOB_ERR_INVALID_MILESTONES',
      fieldErrors: [{ field: 'milestones.0.amountMinor' }],
    },
  )
})
