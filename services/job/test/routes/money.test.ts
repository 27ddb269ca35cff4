/**
 * Bounded money at the edge (issue 14, item 2): budgets, bids and milestone amounts are positive
 * minor units at most the ceiling of `@kelmah/contracts` money, in an allowed currency; a bad
 * amount is a 400 problem naming the field, never a 500 or a stored 1e308.
 */
import { MONEY_CEILING_MINOR } from '@kelmah/contracts'
import t, { type Test } from 'tap'
import { applicationBody, buildTestApp, call, createJob, jobBody, type Res } from '../fixtures/app.js'
import { accept, jobWithApplication } from '../fixtures/contracts.js'

const ctx = await buildTestApp()
t.teardown(() => ctx.close())
const { app } = ctx

/** A 400 problem+json whose errors[] name `field`. */
function isProblemNaming(t: Test, res: Res, field: string): void {
  t.equal(res.status, 400, `400 for ${field}`)
  t.match(String(res.headers['content-type']), /application\/problem\+json/)
  t.ok(
    ((res.body.errors ?? []) as { field: string }[]).some((e) => e.field === field),
    `errors[] names ${field}: ${JSON.stringify(res.body.errors)}`,
  )
}

const TOO_BIG = [1e308, 2 ** 53, MONEY_CEILING_MINOR + 1]

t.test('a job budget beyond the ceiling, zero, or in an unknown currency is a 400 naming it', async (t) => {
  const hirer = ctx.hirer()
  for (const amountMinor of [...TOO_BIG, 0]) {
    const res = await call(
      app,
      'POST',
      '/api/jobs',
      hirer,
      jobBody({ budget: { type: 'fixed', amountMinor, currency: 'USD' } }),
    )
    isProblemNaming(t, res, 'budget.amountMinor')
  }
  for (const [minMinor, maxMinor, field] of [
    [1000, 1e308, 'budget.maxMinor'],
    [2 ** 53, 2 ** 53, 'budget.minMinor'],
  ] as const) {
    const res = await call(
      app,
      'POST',
      '/api/jobs',
      hirer,
      jobBody({ budget: { type: 'hourly', minMinor, maxMinor, currency: 'USD' } }),
    )
    isProblemNaming(t, res, field)
  }
  const xyz = await call(
    app,
    'POST',
    '/api/jobs',
    hirer,
    jobBody({ budget: { type: 'fixed', amountMinor: 1000, currency: 'XYZ' } }),
  )
  isProblemNaming(t, xyz, 'budget.currency')
  const mine = await call(app, 'GET', '/api/jobs/mine', hirer)
  t.equal(mine.body.items.length, 0, 'nothing was stored')
})

t.test('an edit to a budget beyond the ceiling is a 400 and leaves the job alone', async (t) => {
  const hirer = ctx.hirer()
  const job = await createJob(app, hirer)
  const res = await call(app, 'PATCH', `/api/jobs/${job.id}`, hirer, {
    budget: { type: 'fixed', amountMinor: MONEY_CEILING_MINOR + 1, currency: 'USD' },
  })
  isProblemNaming(t, res, 'budget.amountMinor')
  t.same((await call(app, 'GET', `/api/jobs/${job.id}`, hirer)).body.budget, job.budget)
})

t.test('a budget at the ceiling is accepted', async (t) => {
  const job = await createJob(app, ctx.hirer(), {
    budget: { type: 'fixed', amountMinor: MONEY_CEILING_MINOR, currency: 'JPY' },
  })
  t.same(job.budget, { type: 'fixed', amountMinor: MONEY_CEILING_MINOR, currency: 'JPY' })
})

t.test('a zero, oversized or unknown-currency bid is a 400 naming it', async (t) => {
  const job = await createJob(app, ctx.hirer())
  const worker = ctx.worker()
  for (const amountMinor of [0, ...TOO_BIG]) {
    const res = await call(
      app,
      'POST',
      `/api/jobs/${job.id}/applications`,
      worker,
      applicationBody({ bid: { amountMinor, currency: 'USD' } }),
    )
    isProblemNaming(t, res, 'bid.amountMinor')
  }
  const xyz = await call(
    app,
    'POST',
    `/api/jobs/${job.id}/applications`,
    worker,
    applicationBody({ bid: { amountMinor: 1000, currency: 'XYZ' } }),
  )
  isProblemNaming(t, xyz, 'bid.currency')
  const proposal = await call(
    app,
    'POST',
    `/api/jobs/${job.id}/applications`,
    worker,
    applicationBody({
      bid: { amountMinor: MONEY_CEILING_MINOR, currency: 'USD' },
      milestones: [
        { title: 'a', amountMinor: MONEY_CEILING_MINOR + 1 },
        { title: 'b', amountMinor: 0 },
      ],
    }),
  )
  isProblemNaming(t, proposal, 'milestones.0.amountMinor')
})

t.test('an application with the largest allowed bid can be accepted into a contract', async (t) => {
  const { hirer, application } = await jobWithApplication(ctx, { bidMinor: MONEY_CEILING_MINOR })
  t.equal(application.bid.amountMinor, MONEY_CEILING_MINOR)
  const res = await accept(ctx, hirer, application.id)
  t.equal(res.status, 201, JSON.stringify(res.body))
  t.same(res.body.contract.total, { amountMinor: MONEY_CEILING_MINOR, currency: 'USD' })
  t.same(res.body.contract.milestones[0].amount, { amountMinor: MONEY_CEILING_MINOR, currency: 'USD' })
})

t.test(
  'milestones set on accept are bounded: beyond the ceiling or zero is a 400 naming the milestone',
  async (t) => {
    const { hirer, application } = await jobWithApplication(ctx, { bidMinor: MONEY_CEILING_MINOR })
    for (const [amounts, field] of [
      [[MONEY_CEILING_MINOR + 1, 1], 'milestones.0.amountMinor'],
      [[1e308], 'milestones.0.amountMinor'],
      [[MONEY_CEILING_MINOR, 0], 'milestones.1.amountMinor'],
    ] as const) {
      const res = await accept(ctx, hirer, application.id, {
        milestones: amounts.map((amountMinor, i) => ({ title: `part ${i}`, amountMinor })),
      })
      isProblemNaming(t, res, field)
    }
    const ok = await accept(ctx, hirer, application.id, {
      milestones: [
        { title: 'first', amountMinor: MONEY_CEILING_MINOR - 1 },
        { title: 'second', amountMinor: 1 },
      ],
    })
    t.equal(ok.status, 201, 'two milestones summing to the ceiling')
  },
)

t.test('search filters above the ceiling are a 400 naming them', async (t) => {
  const res = await call(app, 'GET', `/api/jobs?budgetMin=${2 ** 53}`, ctx.worker())
  isProblemNaming(t, res, 'budgetMin')
})
