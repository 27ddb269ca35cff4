import t from 'tap'
import { apply, buildTestApp, call, createJob } from '../fixtures/app.js'

// Changing jobs: edit, close, cancel (posting and reading are in jobs.test.ts).
const ctx = await buildTestApp()
t.teardown(() => ctx.close())
const { app } = ctx

t.test('PATCH /api/jobs/:id', async (t) => {
  t.test('the owner edits an open job; JobUpdated names the changed fields', async (t) => {
    const hirer = ctx.hirer()
    const job = await createJob(app, hirer)
    const res = await call(app, 'PATCH', `/api/jobs/${job.id}`, hirer, {
      title: 'Build a Vue storefront',
      skills: ['Vue', 'node.js', 'TypeScript'],
      version: 0,
    })
    t.equal(res.status, 200)
    t.equal(res.body.title, 'Build a Vue storefront')
    t.equal(res.body.version, 1)
    const event = await ctx.probe.waitFor(
      (e) => e.type === 'JobUpdated' && (e.data as { jobId: string }).jobId === job.id,
    )
    t.same((event.data as { changed: string[] }).changed, ['title', 'skills'])
    const found = await call(app, 'GET', '/api/jobs?q=vue', ctx.worker())
    t.ok(
      found.body.items.some((j: { id: string }) => j.id === job.id),
      'keywords follow the edit',
    )
  })

  t.test('a stale version is a 409', async (t) => {
    const hirer = ctx.hirer()
    const job = await createJob(app, hirer)
    await call(app, 'PATCH', `/api/jobs/${job.id}`, hirer, { title: 'First edit of the title' })
    const res = await call(app, 'PATCH', `/api/jobs/${job.id}`, hirer, {
      title: 'Second edit of the title',
      version: 0,
    })
    t.equal(res.status, 409)
  })

  t.test('two concurrent edits from the same version: exactly one wins, the other is a 409', async (t) => {
    const hirer = ctx.hirer()
    const job = await createJob(app, hirer)
    const results = await Promise.all(
      ['First racing title', 'Second racing title'].map((title) =>
        call(app, 'PATCH', `/api/jobs/${job.id}`, hirer, { title, version: 0 }),
      ),
    )
    t.same(results.map((r) => r.status).sort(), [200, 409])
    t.equal((await call(app, 'GET', `/api/jobs/${job.id}`, hirer)).body.version, 1)
  })

  t.test('another hirer gets 404, a worker 403', async (t) => {
    const job = await createJob(app, ctx.hirer())
    t.equal(
      (await call(app, 'PATCH', `/api/jobs/${job.id}`, ctx.hirer(), { title: 'Hijacked title here' })).status,
      404,
    )
    t.equal(
      (await call(app, 'PATCH', `/api/jobs/${job.id}`, ctx.worker(), { title: 'Hijacked title here' }))
        .status,
      403,
    )
  })

  t.test('a closed job cannot be edited (409) and a bad category is a 400', async (t) => {
    const hirer = ctx.hirer()
    const job = await createJob(app, hirer)
    t.equal(
      (await call(app, 'PATCH', `/api/jobs/${job.id}`, hirer, { category: 'nope' })).body.errors[0].field,
      'category',
    )
    await call(app, 'POST', `/api/jobs/${job.id}/close`, hirer)
    const res = await call(app, 'PATCH', `/api/jobs/${job.id}`, hirer, { title: 'Too late for this' })
    t.equal(res.status, 409)
    t.equal(res.body.code, 'JOB_ERR_NOT_EDITABLE')
  })
})

t.test('POST /api/jobs/:id/close', async (t) => {
  t.test(
    'closes an open job, rejects its active applications with job_closed, publishes JobClosed',
    async (t) => {
      const hirer = ctx.hirer()
      const job = await createJob(app, hirer)
      const pending = await apply(app, ctx.worker(), job.id)
      const shortlisted = await apply(app, ctx.worker(), job.id)
      await call(app, 'POST', `/api/applications/${shortlisted.id}/shortlist`, hirer)
      const withdrawer = ctx.worker()
      const withdrawn = await apply(app, withdrawer, job.id)
      await call(app, 'POST', `/api/applications/${withdrawn.id}/withdraw`, withdrawer)

      const res = await call(app, 'POST', `/api/jobs/${job.id}/close`, hirer, { reason: 'hired elsewhere' })
      t.equal(res.status, 200)
      t.equal(res.body.status, 'closed')
      t.ok(res.body.closedAt)
      const closed = await ctx.probe.waitFor(
        (e) => e.type === 'JobClosed' && (e.data as { jobId: string }).jobId === job.id,
      )
      t.match(closed.data, { status: 'closed', reason: 'hired elsewhere' })
      for (const a of [pending, shortlisted]) {
        const read = await call(app, 'GET', `/api/applications/${a.id}`, hirer)
        t.match(read.body, { status: 'rejected', rejectionReason: 'job_closed' })
        await ctx.probe.waitFor(
          (e) =>
            e.type === 'ApplicationRejected' &&
            (e.data as { applicationId: string; reason: string }).applicationId === a.id &&
            (e.data as { reason: string }).reason === 'job_closed',
        )
      }
      t.equal((await call(app, 'GET', `/api/applications/${withdrawn.id}`, hirer)).body.status, 'withdrawn')
      t.equal(
        (await call(app, 'POST', `/api/jobs/${job.id}/close`, hirer)).status,
        409,
        'closing twice is illegal',
      )
    },
  )

  t.test('a draft cannot be closed (409) and only its owner may try (404)', async (t) => {
    const hirer = ctx.hirer()
    const draft = await createJob(app, hirer, { draft: true })
    t.equal((await call(app, 'POST', `/api/jobs/${draft.id}/close`, hirer)).status, 409)
    const open = await createJob(app, hirer)
    t.equal((await call(app, 'POST', `/api/jobs/${open.id}/close`, ctx.hirer())).status, 404)
  })

  t.test('two concurrent closes: exactly one wins, the other is a 409', async (t) => {
    const hirer = ctx.hirer()
    const job = await createJob(app, hirer)
    const results = await Promise.all([1, 2].map(() => call(app, 'POST', `/api/jobs/${job.id}/close`, hirer)))
    t.same(results.map((r) => r.status).sort(), [200, 409])
  })
})

t.test('POST /api/jobs/:id/cancel', async (t) => {
  t.test('cancels a draft or an open job with JobClosed status cancelled', async (t) => {
    const hirer = ctx.hirer()
    const draft = await createJob(app, hirer, { draft: true })
    t.equal((await call(app, 'POST', `/api/jobs/${draft.id}/cancel`, hirer)).body.status, 'cancelled')
    const open = await createJob(app, hirer)
    const a = await apply(app, ctx.worker(), open.id)
    const res = await call(app, 'POST', `/api/jobs/${open.id}/cancel`, hirer)
    t.equal(res.body.status, 'cancelled')
    const event = await ctx.probe.waitFor(
      (e) => e.type === 'JobClosed' && (e.data as { jobId: string }).jobId === open.id,
    )
    t.equal((event.data as { status: string }).status, 'cancelled')
    t.equal((await call(app, 'GET', `/api/applications/${a.id}`, hirer)).body.status, 'rejected')
    t.equal((await call(app, 'POST', `/api/jobs/${open.id}/cancel`, hirer)).status, 409)
  })
})
