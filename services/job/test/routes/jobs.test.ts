import t from 'tap'
import { buildTestApp, call, createJob, jobBody } from '../fixtures/app.js'

const ctx = await buildTestApp()
t.teardown(() => ctx.close())
const { app } = ctx

t.test('POST /api/jobs', async (t) => {
  t.test('a verified hirer posts an open job and JobPosted is published', async (t) => {
    const hirer = ctx.hirer()
    const res = await call(app, 'POST', '/api/jobs', hirer, jobBody())
    t.equal(res.status, 201)
    t.match(res.body, {
      status: 'open',
      hirerId: hirer.id,
      category: 'web-development',
      skills: ['react', 'node.js', 'typescript'],
      budget: { type: 'fixed', amountMinor: 150_000, currency: 'USD' },
      openings: 1,
      hiredCount: 0,
      applicationCount: 0,
      visibility: 'public',
      version: 0,
    })
    t.notOk('keywords' in res.body, 'search keywords stay inside')
    const event = await ctx.probe.waitFor(
      (e) => e.type === 'JobPosted' && (e.data as { jobId: string }).jobId === res.body.id,
    )
    t.match(event, {
      producer: 'job',
      data: { hirerId: hirer.id, title: 'Build a React storefront', category: 'web-development' },
    })
  })

  t.test('draft: true keeps the job a draft, and publishing opens it with JobPosted', async (t) => {
    const hirer = ctx.hirer()
    const draft = await createJob(app, hirer, { draft: true })
    t.equal(draft.status, 'draft')
    t.equal(draft.publishedAt, null)
    const published = await call(app, 'POST', `/api/jobs/${draft.id}/publish`, hirer)
    t.equal(published.status, 200)
    t.equal(published.body.status, 'open')
    t.ok(published.body.publishedAt)
    await ctx.probe.waitFor((e) => e.type === 'JobPosted' && (e.data as { jobId: string }).jobId === draft.id)
    const again = await call(app, 'POST', `/api/jobs/${draft.id}/publish`, hirer)
    t.equal(again.status, 409)
    t.equal(again.body.code, 'JOB_ERR_ILLEGAL_TRANSITION')
  })

  t.test('an hourly budget is accepted when min ≤ max', async (t) => {
    const res = await call(
      app,
      'POST',
      '/api/jobs',
      ctx.hirer(),
      jobBody({ budget: { type: 'hourly', minMinor: 3000, maxMinor: 6000, currency: 'EUR' } }),
    )
    t.equal(res.status, 201)
    t.same(res.body.budget, { type: 'hourly', minMinor: 3000, maxMinor: 6000, currency: 'EUR' })
  })

  t.test('an hourly budget with min above max is a 400 naming budget.maxMinor', async (t) => {
    const res = await call(
      app,
      'POST',
      '/api/jobs',
      ctx.hirer(),
      jobBody({ budget: { type: 'hourly', minMinor: 7000, maxMinor: 6000, currency: 'EUR' } }),
    )
    t.equal(res.status, 400)
    t.equal(res.body.errors[0].field, 'budget.maxMinor')
  })

  t.test('a fixed budget without an amount is a 400 naming budget.amountMinor', async (t) => {
    const res = await call(
      app,
      'POST',
      '/api/jobs',
      ctx.hirer(),
      jobBody({ budget: { type: 'fixed', currency: 'USD' } }),
    )
    t.equal(res.status, 400)
    t.equal(res.body.errors[0].field, 'budget.amountMinor')
  })

  t.test('an unknown category is a 400 naming category', async (t) => {
    const res = await call(app, 'POST', '/api/jobs', ctx.hirer(), jobBody({ category: 'basket-weaving' }))
    t.equal(res.status, 400)
    t.equal(res.body.code, 'JOB_ERR_UNKNOWN_CATEGORY')
    t.equal(res.body.errors[0].field, 'category')
  })

  t.test('a missing title is a 400 naming title', async (t) => {
    const body = jobBody()
    delete body.title
    const res = await call(app, 'POST', '/api/jobs', ctx.hirer(), body)
    t.equal(res.status, 400)
    t.equal(res.body.errors[0].field, 'title')
  })

  t.test('openings below 1 is a 400 naming openings', async (t) => {
    const res = await call(app, 'POST', '/api/jobs', ctx.hirer(), jobBody({ openings: 0 }))
    t.equal(res.status, 400)
    t.equal(res.body.errors[0].field, 'openings')
  })

  t.test(
    'workers cannot post jobs (403), unverified hirers neither (403), nobody without a token (401)',
    async (t) => {
      t.equal((await call(app, 'POST', '/api/jobs', ctx.worker(), jobBody())).status, 403)
      t.equal(
        (await call(app, 'POST', '/api/jobs', ctx.hirer({ emailVerified: false }), jobBody())).status,
        403,
      )
      t.equal((await call(app, 'POST', '/api/jobs', null, jobBody())).status, 401)
    },
  )
})

t.test('GET /api/jobs/categories', async (t) => {
  t.test('lists the category catalogue', async (t) => {
    const res = await call(app, 'GET', '/api/jobs/categories', ctx.worker())
    t.equal(res.status, 200)
    t.ok(res.body.items.some((c: { slug: string }) => c.slug === 'data-science'))
  })
})

t.test('GET /api/jobs/:id', async (t) => {
  t.test('anyone signed in reads an open job; a draft only its hirer (404 for others)', async (t) => {
    const hirer = ctx.hirer()
    const open = await createJob(app, hirer)
    const draft = await createJob(app, hirer, { draft: true })
    t.equal((await call(app, 'GET', `/api/jobs/${open.id}`, ctx.worker())).status, 200)
    t.equal((await call(app, 'GET', `/api/jobs/${draft.id}`, hirer)).status, 200)
    t.equal((await call(app, 'GET', `/api/jobs/${draft.id}`, ctx.hirer())).status, 404)
    t.equal((await call(app, 'GET', `/api/jobs/${draft.id}`, ctx.worker())).status, 404)
  })

  t.test('an unknown id is a 404, a malformed one a 400 naming id', async (t) => {
    t.equal((await call(app, 'GET', '/api/jobs/0123456789abcdef01234567', ctx.worker())).status, 404)
    const bad = await call(app, 'GET', '/api/jobs/nope', ctx.worker())
    t.equal(bad.status, 400)
    t.equal(bad.body.errors[0].field, 'id')
  })
})

t.test('GET /api/jobs', async (t) => {
  // A world of its own: a unique skill tags every job of this block, so other tests' jobs do not interfere.
  const tag = `tag${Math.random().toString(36).slice(2, 8)}`
  const hirer = ctx.hirer()
  const cheap = await createJob(app, hirer, {
    title: 'Logo for a bakery',
    description: 'A warm, hand-drawn logo for our family bakery in Accra.',
    category: 'design',
    skills: [tag, 'illustrator'],
    budget: { type: 'fixed', amountMinor: 20_000, currency: 'USD' },
  })
  const mid = await createJob(app, hirer, {
    title: 'Landing page in React',
    description: 'A fast landing page for our bakery with an order form.',
    skills: [tag, 'react'],
    budget: { type: 'hourly', minMinor: 2000, maxMinor: 5000, currency: 'USD' },
  })
  const rich = await createJob(app, hirer, {
    title: 'Mobile ordering app',
    description: 'A React Native app for bakery orders and delivery.',
    category: 'mobile-development',
    skills: [tag, 'react native', 'react'],
    budget: { type: 'fixed', amountMinor: 900_000, currency: 'USD' },
  })
  const draft = await createJob(app, hirer, { skills: [tag], draft: true })
  const invite = await createJob(app, hirer, { skills: [tag], visibility: 'invite_only' })
  const ids = (res: { body: { items: Array<{ id: string }> } }) => res.body.items.map((j) => j.id)

  t.test('lists open public jobs newest first; drafts and invite-only jobs stay out', async (t) => {
    const res = await call(app, 'GET', `/api/jobs?skills=${tag}`, ctx.worker())
    t.equal(res.status, 200)
    t.same(ids(res), [rich.id, mid.id, cheap.id])
    t.notOk(ids(res).includes(draft.id))
    t.notOk(ids(res).includes(invite.id))
  })

  t.test('pages with a cursor', async (t) => {
    const first = await call(app, 'GET', `/api/jobs?skills=${tag}&limit=2`, ctx.worker())
    t.same(ids(first), [rich.id, mid.id])
    t.type(first.body.nextCursor, 'string')
    const second = await call(
      app,
      'GET',
      `/api/jobs?skills=${tag}&limit=2&cursor=${first.body.nextCursor}`,
      ctx.worker(),
    )
    t.same(ids(second), [cheap.id])
    t.equal(second.body.nextCursor, null)
  })

  t.test('a forged cursor is a 400 naming cursor', async (t) => {
    const res = await call(
      app,
      'GET',
      `/api/jobs?cursor=${Buffer.from('[1,"x"]').toString('base64url')}`,
      ctx.worker(),
    )
    t.equal(res.status, 400)
    t.equal(res.body.errors[0].field, 'cursor')
  })

  t.test('q matches words of title, description and skills', async (t) => {
    t.same(ids(await call(app, 'GET', `/api/jobs?skills=${tag}&q=logo`, ctx.worker())), [cheap.id])
    t.same(ids(await call(app, 'GET', `/api/jobs?skills=${tag}&q=Bakery%20ORDERS`, ctx.worker())), [rich.id])
    t.same(ids(await call(app, 'GET', `/api/jobs?q=${tag}`, ctx.worker())), [rich.id, mid.id, cheap.id])
  })

  t.test('filters by category, type and budget range', async (t) => {
    t.same(ids(await call(app, 'GET', `/api/jobs?skills=${tag}&category=design`, ctx.worker())), [cheap.id])
    t.same(ids(await call(app, 'GET', `/api/jobs?skills=${tag}&type=hourly`, ctx.worker())), [mid.id])
    t.same(
      ids(await call(app, 'GET', `/api/jobs?skills=${tag}&budgetMin=4000&budgetMax=100000`, ctx.worker())),
      [mid.id, cheap.id],
    )
    t.same(ids(await call(app, 'GET', `/api/jobs?skills=${tag}&budgetMin=100000`, ctx.worker())), [rich.id])
  })

  t.test('sorts by budget both ways', async (t) => {
    t.same(ids(await call(app, 'GET', `/api/jobs?skills=${tag}&sort=budget_desc`, ctx.worker())), [
      rich.id,
      cheap.id,
      mid.id,
    ])
    t.same(ids(await call(app, 'GET', `/api/jobs?skills=${tag}&sort=budget_asc`, ctx.worker())), [
      mid.id,
      cheap.id,
      rich.id,
    ])
    const p1 = await call(app, 'GET', `/api/jobs?skills=${tag}&sort=budget_asc&limit=1`, ctx.worker())
    const p2 = await call(
      app,
      'GET',
      `/api/jobs?skills=${tag}&sort=budget_asc&limit=1&cursor=${p1.body.nextCursor}`,
      ctx.worker(),
    )
    t.same(ids(p2), [cheap.id])
  })

  t.test('sort=relevance ranks skill and word overlap first', async (t) => {
    const res = await call(app, 'GET', `/api/jobs?skills=${tag},react&q=bakery&sort=relevance`, ctx.worker())
    t.same(ids(res).slice(0, 2).sort(), [mid.id, rich.id].sort())
    t.equal(ids(res)[2], cheap.id)
    const p1 = await call(
      app,
      'GET',
      `/api/jobs?skills=${tag},react&q=bakery&sort=relevance&limit=2`,
      ctx.worker(),
    )
    const p2 = await call(
      app,
      'GET',
      `/api/jobs?skills=${tag},react&q=bakery&sort=relevance&limit=2&cursor=${p1.body.nextCursor}`,
      ctx.worker(),
    )
    t.same([...ids(p1), ...ids(p2)], ids(res))
  })

  t.test('status=draft lists only the caller’s own drafts', async (t) => {
    t.same(ids(await call(app, 'GET', `/api/jobs?skills=${tag}&status=draft`, hirer)), [draft.id])
    t.same(ids(await call(app, 'GET', `/api/jobs?skills=${tag}&status=draft`, ctx.hirer())), [])
  })
})

t.test('GET /api/jobs/mine', async (t) => {
  t.test('lists the hirer’s own jobs of any status, filterable by status', async (t) => {
    const hirer = ctx.hirer()
    const a = await createJob(app, hirer)
    const b = await createJob(app, hirer, { draft: true })
    await createJob(app, ctx.hirer())
    const all = await call(app, 'GET', '/api/jobs/mine', hirer)
    t.same(
      all.body.items.map((j: { id: string }) => j.id),
      [b.id, a.id],
    )
    const drafts = await call(app, 'GET', '/api/jobs/mine?status=draft', hirer)
    t.same(
      drafts.body.items.map((j: { id: string }) => j.id),
      [b.id],
    )
    t.equal((await call(app, 'GET', '/api/jobs/mine', ctx.worker())).status, 403)
  })
})
