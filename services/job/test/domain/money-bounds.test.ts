/** The domain's money checks (issue 14, item 2): the same bounds as the route schemas, for any caller. */
import { MONEY_CEILING_MINOR } from '@kelmah/contracts'
import t from 'tap'
import { assertValidBudget } from '../../src/domain/budget.js'
import { planMilestones } from '../../src/domain/milestone.js'
import { assertProposalMoney } from '../../src/services/applications.js'

const now = new Date('2026-06-15T12:00:00Z')

t.test('assertValidBudget refuses amounts outside the money bounds, naming the field', async (t) => {
  for (const amountMinor of [0, -1, 1.5, MONEY_CEILING_MINOR + 1, 2 ** 53, 1e308]) {
    t.throws(() => assertValidBudget({ type: 'fixed', amountMinor, currency: 'USD' }), {
      code: 'JOB_ERR_INVALID_BUDGET',
      statusCode: 400,
      fieldErrors: [{ field: 'budget.amountMinor' }],
    })
  }
  t.throws(() => assertValidBudget({ type: 'hourly', minMinor: 1, maxMinor: 1e308, currency: 'USD' }), {
    code: 'JOB_ERR_INVALID_BUDGET',
    fieldErrors: [{ field: 'budget.maxMinor' }],
  })
  t.throws(() => assertValidBudget({ type: 'fixed', amountMinor: 100, currency: 'XYZ' }), {
    code: 'JOB_ERR_INVALID_BUDGET',
    fieldErrors: [{ field: 'budget.currency' }],
  })
  t.doesNotThrow(() =>
    assertValidBudget({ type: 'fixed', amountMinor: MONEY_CEILING_MINOR, currency: 'USD' }),
  )
  t.doesNotThrow(() =>
    assertValidBudget({ type: 'hourly', minMinor: 1, maxMinor: MONEY_CEILING_MINOR, currency: 'GHS' }),
  )
})

t.test('assertProposalMoney bounds the bid and each proposed milestone and sums exactly', async (t) => {
  const bid = (amountMinor: number, currency = 'USD') => ({ amountMinor, currency })
  t.throws(() => assertProposalMoney(bid(0), []), {
    code: 'JOB_ERR_INVALID_BID',
    fieldErrors: [{ field: 'bid.amountMinor' }],
  })
  t.throws(() => assertProposalMoney(bid(2 ** 53), []), {
    code: 'JOB_ERR_INVALID_BID',
    fieldErrors: [{ field: 'bid.amountMinor' }],
  })
  t.throws(() => assertProposalMoney(bid(100, 'XYZ'), []), {
    code: 'JOB_ERR_INVALID_BID',
    fieldErrors: [{ field: 'bid.currency' }],
  })
  t.throws(() => assertProposalMoney(bid(100), [{ amountMinor: 0 }, { amountMinor: 100 }]), {
    code: 'JOB_ERR_INVALID_BID',
    fieldErrors: [{ field: 'milestones.0.amountMinor' }],
  })
  t.throws(() => assertProposalMoney(bid(100), [{ amountMinor: 60 }, { amountMinor: 50 }]), {
    code: 'JOB_ERR_MILESTONES_SUM',
    fieldErrors: [{ field: 'milestones' }],
  })
  t.doesNotThrow(() =>
    assertProposalMoney(bid(MONEY_CEILING_MINOR), [
      { amountMinor: MONEY_CEILING_MINOR - 1 },
      { amountMinor: 1 },
    ]),
  )
})

t.test('planMilestones bounds each amount by the ceiling and names it', async (t) => {
  const bid = { amountMinor: MONEY_CEILING_MINOR, currency: 'USD' }
  t.throws(
    () =>
      planMilestones({
        bid,
        jobTitle: 'x',
        now,
        drafts: [
          { title: 'a', amountMinor: MONEY_CEILING_MINOR + 1 },
          { title: 'b', amountMinor: -1 },
        ],
      }),
    {
      code: 'JOB_ERR_INVALID_MILESTONES',
      fieldErrors: [{ field: 'milestones.0.amountMinor' }, { field: 'milestones.1.amountMinor' }],
    },
  )
  t.same(planMilestones({ bid, jobTitle: 'x', now }), [{ title: 'x', amount: bid, dueDate: null }])
})

t.test('planMilestones turns a stored bid outside the bounds into a 400, not a 500', async (t) => {
  for (const amountMinor of [1e308, 2 ** 53, 0]) {
    t.throws(() => planMilestones({ bid: { amountMinor, currency: 'USD' }, jobTitle: 'x', now }), {
      statusCode: 400,
      code: 'JOB_ERR_INVALID_MILESTONES',
      fieldErrors: [{ field: 'milestones' }],
    })
  }
})
