import { createEvent } from '@kelmah/contracts'
import t from 'tap'
import { userReinstatedHandler, userSuspendedHandler } from '../../src/events/handlers.js'
import { jobModels } from '../../src/models/index.js'
import { apply, applicationBody, buildTestApp, call, createJob, type Actor } from '../fixtures/app.js'
import { profileUpdated } from '../fixtures/events.js'

const ctx = await buildTestApp()
t.teardown(() => ctx.close())
const { app } = ctx
const models = jobModels(app.mongo)
const onSuspended = userSuspendedHandler(models)
const onReinstated = userReinstatedHandler(models)
const tag = () => `sk${Math.random().toString(36).slice(2, 8)}`
const at = (minutes: number) => new Date(Date.UTC(2026, 11, 3, 9, minutes))
const suspended = (userId: string, occurredAt: Date) =>
  createEvent('UserSuspended', { userId }, { producer: 'auth', occurredAt })
const reinstated = (userId: string, occurredAt: Date) =>
  createEvent('UserReinstated', { userId }, { producer: 'auth', occurredAt })

const ids = (items: { id: string }[]) => items.map((i) => i.id).sort()
const browse = async (actor: Actor, query: string) =>
  ids((await call(app, 'GET', `/api/jobs?${query}`, actor)).body.items)
const recommendedJobs = async (worker: Actor) =>
  ((await call(app, 'GET', '/api/jobs/recommended', worker)).body.items as { job: { id: string } }[])
    .map((i) => i.job.id)
    .sort()
const recommendedWorkers = async (hirer: Actor, jobId: string) =>
  (
    (await call(app, 'GET', `/api/jobs/${jobId}/recommended-workers`, hirer)).body.items as {
      workerId: string
    }[]
  ).map((w) => w.workerId)

t.test('a suspended hirer', async (t) => {
  t.test(
    'jobs leave browse, search, filters, recommendations and invitation lists, are a 404 to others and take no applications; reinstatement restores all',
    async (t) => {
      const skill = tag()
      const hirer = ctx.hirer()
      const worker = ctx.worker()
      const invitee = ctx.worker()
      await ctx.deliver(profileUpdated(worker.id, 1, { skills: [skill] }), 'worker-profiles')
      await ctx.deliver(profileUpdated(invitee.id, 1, { skills: [skill] }), 'worker-profiles')
      const a = await createJob(app, hirer, { skills: [skill], title: `Storefront ${skill}` })
      const b = await createJob(app, hirer, {
        skills: [skill],
        budget: { type: 'hourly', minMinor: 3000, maxMinor: 5000, currency: 'USD' },
      })
      t.equal(
        (await call(app, 'POST', `/api/jobs/${b.id}/invitations`, hirer, { workerId: invitee.id })).status,
        201,
      )
      const all = [a.id, b.id].sort()
      const queries = [`skills=${skill}`, `q=${skill}&sort=relevance`, `skills=${skill}&sort=budget_desc`]
      for (const q of queries) t.same(await browse(worker, q), all, `listed before: ${q}`)
      t.same(await recommendedJobs(worker), all)

      await ctx.deliver(suspended(hirer.id, at(1)), 'suspensions')
      for (const q of [...queries, `skills=${skill}&type=hourly`, `skills=${skill}&status=open`])
        t.same(await browse(worker, q), [], `gone: ${q}`)
      t.same(await recommendedJobs(worker), [], 'gone from recommendations')
      t.same((await call(app, 'GET', '/api/jobs/invited', invitee)).body.items, [], 'gone from invitations')
      const other = await call(app, 'GET', `/api/jobs/${a.id}`, worker)
      t.match(other, { status: 404, body: { code: 'JOB_ERR_JOB_NOT_FOUND' } }, 'a 404 to others')
      t.equal((await call(app, 'GET', `/api/jobs/${a.id}`, hirer)).status, 200, 'the hirer still sees it')
      t.equal((await call(app, 'GET', `/api/jobs/${a.id}`, ctx.admin())).status, 200, 'admins still see it')
      t.same(
        ids((await call(app, 'GET', '/api/jobs/mine', hirer)).body.items),
        all,
        'their own list keeps them',
      )
      const applying = await call(app, 'POST', `/api/jobs/${a.id}/applications`, worker, applicationBody())
      t.equal(applying.status, 404, 'no applications')

      await ctx.deliver(reinstated(hirer.id, at(2)), 'suspensions')
      for (const q of queries) t.same(await browse(worker, q), all, `back: ${q}`)
      t.same(await recommendedJobs(worker), all)
      t.equal((await call(app, 'GET', '/api/jobs/invited', invitee)).body.items.length, 1)
      t.equal((await call(app, 'GET', `/api/jobs/${a.id}`, worker)).status, 200)
      await apply(app, worker, a.id)
      t.match(
        await models.Job.findById(a.id).lean(),
        { version: 0, hirerSuspended: false },
        'never a change of the job',
      )
    },
  )

  t.test('a worker who applied before the suspension still sees the job', async (t) => {
    const hirer = ctx.hirer()
    const worker = ctx.worker()
    const job = await createJob(app, hirer)
    await apply(app, worker, job.id)
    await ctx.deliver(suspended(hirer.id, at(3)), 'suspensions')
    t.equal((await call(app, 'GET', `/api/jobs/${job.id}`, worker)).status, 200)
    t.equal((await call(app, 'GET', `/api/jobs/${job.id}`, ctx.worker())).status, 404)
  })

  t.test('a job posted while the suspension is already recorded takes the flag', async (t) => {
    const skill = tag()
    const hirer = ctx.hirer()
    await ctx.deliver(suspended(hirer.id, at(4)), 'suspensions')
    // Auth has revoked the token by now; a request already past the gateway may still land.
    const job = await createJob(app, hirer, { skills: [skill] })
    t.same(await browse(ctx.worker(), `skills=${skill}`), [], 'not listed')
    await ctx.deliver(reinstated(hirer.id, at(5)), 'suspensions')
    t.same(await browse(ctx.worker(), `skills=${skill}`), [job.id])
  })
})

t.test('a suspended worker', async (t) => {
  t.test('leaves the recommended workers and cannot be invited; reinstatement restores both', async (t) => {
    const skill = tag()
    const hirer = ctx.hirer()
    const worker = ctx.worker()
    const job = await createJob(app, hirer, { skills: [skill] })
    await ctx.deliver(profileUpdated(worker.id, 1, { skills: [skill] }), 'worker-profiles')
    t.same(await recommendedWorkers(hirer, job.id), [worker.id])

    await ctx.deliver(suspended(worker.id, at(6)), 'suspensions')
    t.same(await recommendedWorkers(hirer, job.id), [], 'not recommended')
    const invite = await call(app, 'POST', `/api/jobs/${job.id}/invitations`, hirer, { workerId: worker.id })
    t.match(invite, { status: 404, body: { code: 'JOB_ERR_WORKER_NOT_FOUND' } })
    // A newer profile snapshot keeps the flag (the snapshot does not carry it).
    await ctx.deliver(profileUpdated(worker.id, 2, { skills: [skill] }), 'worker-profiles')
    t.same(await recommendedWorkers(hirer, job.id), [])

    await ctx.deliver(reinstated(worker.id, at(7)), 'suspensions')
    t.same(await recommendedWorkers(hirer, job.id), [worker.id], 'recommended again')
    t.equal(
      (await call(app, 'POST', `/api/jobs/${job.id}/invitations`, hirer, { workerId: worker.id })).status,
      201,
    )
  })

  t.test('a suspension arriving before the first profile snapshot still applies to it', async (t) => {
    const skill = tag()
    const hirer = ctx.hirer()
    const job = await createJob(app, hirer, { skills: [skill] })
    const worker = ctx.worker()
    await ctx.deliver(suspended(worker.id, at(8)), 'suspensions')
    await ctx.deliver(profileUpdated(worker.id, 1, { skills: [skill] }), 'worker-profiles')
    t.same(await recommendedWorkers(hirer, job.id), [])
    t.match(await models.WorkerProfile.findById(worker.id).lean(), { suspended: true })
  })
})

t.test('duplicates and out-of-order delivery', async (t) => {
  t.test('the same event twice is stale the second time', async (t) => {
    const hirer = ctx.hirer()
    const job = await createJob(app, hirer)
    const event = suspended(hirer.id, at(10))
    t.equal(await onSuspended(event), 'applied')
    t.equal(await onSuspended(event), 'stale')
    t.equal(await onSuspended(suspended(hirer.id, at(10))), 'stale', 'the same fact under another id')
    t.match(await models.Job.findById(job.id).lean(), { hirerSuspended: true })
  })

  t.test('a late older event cannot undo a later one, in either direction', async (t) => {
    const hirer = ctx.hirer()
    const job = await createJob(app, hirer)
    const flag = async () => (await models.Job.findById(job.id).lean())?.hirerSuspended
    // Suspended at 11, reinstated at 12, suspended at 13 — arriving 13, 11, 12.
    t.equal(await onSuspended(suspended(hirer.id, at(13))), 'applied')
    t.equal(await onSuspended(suspended(hirer.id, at(11))), 'stale')
    t.equal(await onReinstated(reinstated(hirer.id, at(12))), 'stale')
    t.equal(await flag(), true, 'the latest decision (suspended) stands')
    // Reinstated at 15 arriving before suspended at 14.
    t.equal(await onReinstated(reinstated(hirer.id, at(15))), 'applied')
    t.equal(await onSuspended(suspended(hirer.id, at(14))), 'stale')
    t.equal(await flag(), false)
  })

  t.test('a suspension and a reinstatement handled at the same time end in the later one', async (t) => {
    const hirer = ctx.hirer()
    const jobs = await Promise.all([createJob(app, hirer), createJob(app, hirer), createJob(app, hirer)])
    await Promise.all([onReinstated(reinstated(hirer.id, at(17))), onSuspended(suspended(hirer.id, at(16)))])
    const flags = await models.Job.find({ hirerId: hirer.id }, { hirerSuspended: 1 }).lean()
    t.equal(flags.length, jobs.length)
    t.ok(
      flags.every((j) => j.hirerSuspended === false),
      'reinstated (the later fact)',
    )
  })
})
