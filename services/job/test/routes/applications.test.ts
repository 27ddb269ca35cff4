import t from 'tap'
import { applicationBody, apply, buildTestApp, call, createJob } from '../fixtures/app.js'

const ctx = await buildTestApp()
t.teardown(() => ctx.close())
const { app } = ctx

t.test('POST /api/jobs/:id/applications', async (t) => {
  t.test(
    'a verified worker applies to an open job; ApplicationSubmitted is published and the count grows',
    async (t) => {
      const hirer = ctx.hirer()
      const job = await createJob(app, hirer)
      const worker = ctx.worker()
      const res = await call(
        app,
        'POST',
        `/api/jobs/${job.id}/applications`,
        worker,
        applicationBody({
          milestones: [
            { title: 'Design', amountMinor: 40_000, dueDate: '2026-12-01' },
            { title: 'Build', amountMinor: 100_000 },
          ],
        }),
      )
      t.equal(res.status, 201)
      t.match(res.body, {
        status: 'pending',
        jobId: job.id,
        hirerId: hirer.id,
        workerId: worker.id,
        jobTitle: job.title,
        bid: { amountMinor: 140_000, currency: 'USD' },
        estimatedDays: 30,
        proposedMilestones: [
          { title: 'Design', amountMinor: 40_000, dueDate: '2026-12-01' },
          { title: 'Build', amountMinor: 100_000, dueDate: null },
        ],
      })
      const event = await ctx.probe.waitFor(
        (e) =>
          e.type === 'ApplicationSubmitted' &&
          (e.data as { applicationId: string }).applicationId === res.body.id,
      )
      t.match(event.data, {
        jobId: job.id,
        hirerId: hirer.id,
        workerId: worker.id,
        jobTitle: job.title,
        bid: { amountMinor: 140_000, currency: 'USD' },
      })
      t.equal((await call(app, 'GET', `/api/jobs/${job.id}`, hirer)).body.applicationCount, 1)
    },
  )

  t.test('a second application by the same worker is a 409, also when sent concurrently', async (t) => {
    const job = await createJob(app, ctx.hirer())
    const worker = ctx.worker()
    await apply(app, worker, job.id)
    const again = await call(app, 'POST', `/api/jobs/${job.id}/applications`, worker, applicationBody())
    t.equal(again.status, 409)
    t.equal(again.body.code, 'JOB_ERR_ALREADY_APPLIED')

    const job2 = await createJob(app, ctx.hirer())
    const racer = ctx.worker()
    const results = await Promise.all(
      [1, 2, 3].map(() => call(app, 'POST', `/api/jobs/${job2.id}/applications`, racer, applicationBody())),
    )
    t.same(results.map((r) => r.status).sort(), [201, 409, 409])
  })

  t.test('a bid in another currency is a 400 naming bid.currency', async (t) => {
    const job = await createJob(app, ctx.hirer())
    const res = await call(
      app,
      'POST',
      `/api/jobs/${job.id}/applications`,
      ctx.worker(),
      applicationBody({ bid: { amountMinor: 1000, currency: 'EUR' } }),
    )
    t.equal(res.status, 400)
    t.equal(res.body.errors[0].field, 'bid.currency')
  })

  t.test('milestones that do not add up to the bid are a 400 naming milestones', async (t) => {
    const job = await createJob(app, ctx.hirer())
    const res = await call(
      app,
      'POST',
      `/api/jobs/${job.id}/applications`,
      ctx.worker(),
      applicationBody({ milestones: [{ title: 'All', amountMinor: 1 }] }),
    )
    t.equal(res.status, 400)
    t.equal(res.body.code, 'JOB_ERR_MILESTONES_SUM')
    t.equal(res.body.errors[0].field, 'milestones')
  })

  t.test('a missing cover letter or a float amount is a 400 naming the field', async (t) => {
    const job = await createJob(app, ctx.hirer())
    const body = applicationBody()
    delete body.coverLetter
    t.equal(
      (await call(app, 'POST', `/api/jobs/${job.id}/applications`, ctx.worker(), body)).body.errors[0].field,
      'coverLetter',
    )
    const float = await call(
      app,
      'POST',
      `/api/jobs/${job.id}/applications`,
      ctx.worker(),
      applicationBody({ bid: { amountMinor: 10.5, currency: 'USD' } }),
    )
    t.equal(float.status, 400)
    t.equal(float.body.errors[0].field, 'bid.amountMinor')
  })

  t.test('a closed job takes no applications (409); a draft or unknown job is a 404', async (t) => {
    const hirer = ctx.hirer()
    const closed = await createJob(app, hirer)
    await call(app, 'POST', `/api/jobs/${closed.id}/close`, hirer)
    const res = await call(
      app,
      'POST',
      `/api/jobs/${closed.id}/applications`,
      ctx.worker(),
      applicationBody(),
    )
    t.equal(res.status, 409)
    t.equal(res.body.code, 'JOB_ERR_NOT_OPEN')
    const draft = await createJob(app, hirer, { draft: true })
    t.equal(
      (await call(app, 'POST', `/api/jobs/${draft.id}/applications`, ctx.worker(), applicationBody())).status,
      404,
    )
    t.equal(
      (
        await call(
          app,
          'POST',
          '/api/jobs/0123456789abcdef01234567/applications',
          ctx.worker(),
          applicationBody(),
        )
      ).status,
      404,
    )
  })

  t.test('hirers cannot apply (403), unverified workers neither (403)', async (t) => {
    const job = await createJob(app, ctx.hirer())
    t.equal(
      (await call(app, 'POST', `/api/jobs/${job.id}/applications`, ctx.hirer(), applicationBody())).status,
      403,
    )
    t.equal(
      (
        await call(
          app,
          'POST',
          `/api/jobs/${job.id}/applications`,
          ctx.worker({ emailVerified: false }),
          applicationBody(),
        )
      ).status,
      403,
    )
    t.equal(
      (await call(app, 'POST', `/api/jobs/${job.id}/applications`, null, applicationBody())).status,
      401,
    )
  })
})

t.test('GET /api/jobs/:id/applications', async (t) => {
  t.test('the job’s hirer lists its applications newest first, by status and page', async (t) => {
    const hirer = ctx.hirer()
    const job = await createJob(app, hirer)
    const a1 = await apply(app, ctx.worker(), job.id)
    const a2 = await apply(app, ctx.worker(), job.id)
    const a3 = await apply(app, ctx.worker(), job.id)
    await call(app, 'POST', `/api/applications/${a2.id}/shortlist`, hirer)
    const all = await call(app, 'GET', `/api/jobs/${job.id}/applications`, hirer)
    t.same(
      all.body.items.map((a: { id: string }) => a.id),
      [a3.id, a2.id, a1.id],
    )
    const shortlisted = await call(app, 'GET', `/api/jobs/${job.id}/applications?status=shortlisted`, hirer)
    t.same(
      shortlisted.body.items.map((a: { id: string }) => a.id),
      [a2.id],
    )
    const p1 = await call(app, 'GET', `/api/jobs/${job.id}/applications?limit=2`, hirer)
    const p2 = await call(
      app,
      'GET',
      `/api/jobs/${job.id}/applications?limit=2&cursor=${p1.body.nextCursor}`,
      hirer,
    )
    t.same(
      p2.body.items.map((a: { id: string }) => a.id),
      [a1.id],
    )
  })

  t.test('another hirer gets 404; a worker 403', async (t) => {
    const job = await createJob(app, ctx.hirer())
    t.equal((await call(app, 'GET', `/api/jobs/${job.id}/applications`, ctx.hirer())).status, 404)
    t.equal((await call(app, 'GET', `/api/jobs/${job.id}/applications`, ctx.worker())).status, 403)
  })
})

t.test('GET /api/applications/:id and /mine', async (t) => {
  t.test('the worker who applied and the job’s hirer read it; anyone else gets 404', async (t) => {
    const hirer = ctx.hirer()
    const worker = ctx.worker()
    const job = await createJob(app, hirer)
    const a = await apply(app, worker, job.id)
    t.equal((await call(app, 'GET', `/api/applications/${a.id}`, worker)).status, 200)
    t.equal((await call(app, 'GET', `/api/applications/${a.id}`, hirer)).status, 200)
    t.equal((await call(app, 'GET', `/api/applications/${a.id}`, ctx.worker())).status, 404)
    t.equal((await call(app, 'GET', `/api/applications/${a.id}`, ctx.hirer())).status, 404)
  })

  t.test('a worker lists only their own applications', async (t) => {
    const worker = ctx.worker()
    const j1 = await createJob(app, ctx.hirer())
    const j2 = await createJob(app, ctx.hirer())
    const a1 = await apply(app, worker, j1.id)
    const a2 = await apply(app, worker, j2.id)
    await apply(app, ctx.worker(), j1.id)
    const mine = await call(app, 'GET', '/api/applications/mine', worker)
    t.same(
      mine.body.items.map((a: { id: string }) => a.id),
      [a2.id, a1.id],
    )
    t.equal((await call(app, 'GET', '/api/applications/mine', ctx.hirer())).status, 403)
  })
})

t.test('POST /api/applications/:id/shortlist, /reject, /withdraw', async (t) => {
  t.test('the hirer shortlists then rejects (reason hirer, ApplicationRejected)', async (t) => {
    const hirer = ctx.hirer()
    const job = await createJob(app, hirer)
    const a = await apply(app, ctx.worker(), job.id)
    const s = await call(app, 'POST', `/api/applications/${a.id}/shortlist`, hirer)
    t.match(s.body, { status: 'shortlisted', version: 1 })
    const r = await call(app, 'POST', `/api/applications/${a.id}/reject`, hirer)
    t.match(r.body, { status: 'rejected', rejectionReason: 'hirer', version: 2 })
    const event = await ctx.probe.waitFor(
      (e) => e.type === 'ApplicationRejected' && (e.data as { applicationId: string }).applicationId === a.id,
    )
    t.equal((event.data as { reason: string }).reason, 'hirer')
    const again = await call(app, 'POST', `/api/applications/${a.id}/shortlist`, hirer)
    t.equal(again.status, 409)
    t.equal(again.body.code, 'JOB_ERR_APPLICATION_ILLEGAL_TRANSITION')
  })

  t.test(
    'the worker withdraws (ApplicationWithdrawn) and the job count shrinks; withdrawing again is a 409',
    async (t) => {
      const hirer = ctx.hirer()
      const worker = ctx.worker()
      const job = await createJob(app, hirer)
      const a = await apply(app, worker, job.id)
      const w = await call(app, 'POST', `/api/applications/${a.id}/withdraw`, worker)
      t.equal(w.body.status, 'withdrawn')
      await ctx.probe.waitFor(
        (e) =>
          e.type === 'ApplicationWithdrawn' && (e.data as { applicationId: string }).applicationId === a.id,
      )
      t.equal((await call(app, 'GET', `/api/jobs/${job.id}`, hirer)).body.applicationCount, 0)
      t.equal((await call(app, 'POST', `/api/applications/${a.id}/withdraw`, worker)).status, 409)
    },
  )

  t.test(
    'only the job’s hirer shortlists or rejects (404 for another hirer, 403 for a worker)',
    async (t) => {
      const job = await createJob(app, ctx.hirer())
      const worker = ctx.worker()
      const a = await apply(app, worker, job.id)
      t.equal((await call(app, 'POST', `/api/applications/${a.id}/shortlist`, ctx.hirer())).status, 404)
      t.equal((await call(app, 'POST', `/api/applications/${a.id}/reject`, ctx.hirer())).status, 404)
      t.equal((await call(app, 'POST', `/api/applications/${a.id}/shortlist`, worker)).status, 403)
    },
  )

  t.test('only the worker who applied withdraws (404 for another worker, 403 for a hirer)', async (t) => {
    const hirer = ctx.hirer()
    const job = await createJob(app, hirer)
    const a = await apply(app, ctx.worker(), job.id)
    t.equal((await call(app, 'POST', `/api/applications/${a.id}/withdraw`, ctx.worker())).status, 404)
    t.equal((await call(app, 'POST', `/api/applications/${a.id}/withdraw`, hirer)).status, 403)
  })

  t.test('two concurrent shortlists: exactly one wins, the other is a 409', async (t) => {
    const hirer = ctx.hirer()
    const job = await createJob(app, hirer)
    const a = await apply(app, ctx.worker(), job.id)
    const results = await Promise.all(
      [1, 2].map(() => call(app, 'POST', `/api/applications/${a.id}/shortlist`, hirer)),
    )
    t.same(results.map((r) => r.status).sort(), [200, 409])
    t.equal((await call(app, 'GET', `/api/applications/${a.id}`, hirer)).body.version, 1)
  })

  t.test('two concurrent withdraws: exactly one wins, the other is a 409', async (t) => {
    const worker = ctx.worker()
    const hirer = ctx.hirer()
    const job = await createJob(app, hirer)
    const a = await apply(app, worker, job.id)
    const results = await Promise.all(
      [1, 2].map(() => call(app, 'POST', `/api/applications/${a.id}/withdraw`, worker)),
    )
    t.same(results.map((r) => r.status).sort(), [200, 409])
    t.equal(
      (await call(app, 'GET', `/api/jobs/${job.id}`, hirer)).body.applicationCount,
      0,
      'counted down once',
    )
  })

  t.test('a concurrent reject and withdraw: exactly one wins', async (t) => {
    const worker = ctx.worker()
    const hirer = ctx.hirer()
    const job = await createJob(app, hirer)
    const a = await apply(app, worker, job.id)
    const results = await Promise.all([
      call(app, 'POST', `/api/applications/${a.id}/reject`, hirer),
      call(app, 'POST', `/api/applications/${a.id}/withdraw`, worker),
    ])
    t.same(results.map((r) => r.status).sort(), [200, 409])
    const final = (await call(app, 'GET', `/api/applications/${a.id}`, hirer)).body
    t.equal(final.status, results[0]?.status === 200 ? 'rejected' : 'withdrawn')
  })
})
