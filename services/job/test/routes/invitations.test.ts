/**
 * Invite-only jobs are seen and applied to only by the invited (issue 14, item 4;
 * `src/domain/job-visibility.ts`): a stranger who guesses the id of an invite-only job — easy,
 * ObjectIds of jobs posted one after another differ in their counter — is told it does not exist,
 * by `GET /api/jobs/:id` and by applying; the hirer invites workers the service knows; invited
 * workers, the hirer and admins see it; the lists never show it to anyone else.
 */
import { Types } from 'mongoose'
import t from 'tap'
import { profileUpdatedHandler } from '../../src/events/handlers.js'
import { jobModels } from '../../src/models/index.js'
import { applicationBody, apply, buildTestApp, call, createJob, type Actor } from '../fixtures/app.js'
import { profileUpdated } from '../fixtures/events.js'

const ta = await buildTestApp()
t.teardown(() => ta.close())
const { app } = ta
const onProfile = profileUpdatedHandler(jobModels(app.mongo))

/** A worker the job service knows (its profile in the read model, as from `ProfileUpdated`). */
async function knownWorker(): Promise<Actor> {
  const w = ta.worker()
  await onProfile(profileUpdated(w.id, 1))
  return w
}

const invite = (hirer: Actor, jobId: string, workerId: string) =>
  call(app, 'POST', `/api/jobs/${jobId}/invitations`, hirer, { workerId })
const getJob = (jobId: string, who: Actor) => call(app, 'GET', `/api/jobs/${jobId}`, who)
const applyAs = (who: Actor, jobId: string) =>
  call(app, 'POST', `/api/jobs/${jobId}/applications`, who, applicationBody())

/** The ObjectId `n` after `id` from the same process: its counter (the last 3 bytes) plus `n`. */
function idAfter(id: string, n: number): string {
  const counter = (parseInt(id.slice(18), 16) + n) % 0x1000000
  return id.slice(0, 18) + counter.toString(16).padStart(6, '0')
}

t.test('a stranger who guesses an invite-only job id finds nothing and cannot apply', async (t) => {
  const hirer = ta.hirer()
  const stranger = await knownWorker()
  // Two jobs in a row (within one second): the second id is the first one's counter + a few.
  const pub = await createJob(app, hirer)
  const hidden = await createJob(app, hirer, { visibility: 'invite_only' })
  const guesses = Array.from({ length: 16 }, (_, i) => idAfter(pub.id, i + 1))
  t.ok(guesses.includes(hidden.id) || hidden.id.slice(0, 8) !== pub.id.slice(0, 8), 'ids are guessable')

  const reads = await Promise.all(guesses.map((id) => getJob(id, stranger)))
  t.same(
    reads.map((r) => r.status),
    guesses.map(() => 404),
    'every guess, the invite-only job among them, is a 404',
  )
  const read = reads[guesses.indexOf(hidden.id)] ?? (await getJob(hidden.id, stranger))
  t.match(read.headers['content-type'], /application\/problem\+json/)
  t.equal(read.body.code, 'JOB_ERR_JOB_NOT_FOUND')
  const unknown = await getJob(new Types.ObjectId().toHexString(), stranger)
  const shape = (b: Record<string, unknown>) => ({
    ...b,
    detail: undefined,
    instance: undefined,
    requestId: undefined,
  })
  t.same(shape(read.body), shape(unknown.body), 'the same answer as for an id that does not exist')
  t.equal((await getJob(hidden.id, ta.hirer())).status, 404, 'another hirer neither')

  const res = await applyAs(stranger, hidden.id)
  t.equal(res.status, 404, 'applying without an invitation: 404, not 201 or 403')
  t.equal(res.body.code, 'JOB_ERR_JOB_NOT_FOUND')
  const apps = await call(app, 'GET', `/api/jobs/${hidden.id}/applications`, hirer)
  t.same(apps.body.items, [], 'no application was made')
  t.equal((await getJob(hidden.id, hirer)).body.applicationCount, 0)

  t.equal((await getJob(pub.id, stranger)).status, 200, 'the public job stays readable')
})

t.test('the invited worker, the hirer and admins see it; only the invited apply', async (t) => {
  const hirer = ta.hirer()
  const invited = await knownWorker()
  const job = await createJob(app, hirer, { visibility: 'invite_only' })

  const first = await invite(hirer, job.id, invited.id)
  t.equal(first.status, 201)
  t.match(first.body, { jobId: job.id, workerId: invited.id, invitedAt: String })
  const again = await invite(hirer, job.id, invited.id)
  t.equal(again.status, 200, 'inviting twice finds the first invitation')
  t.same(again.body, first.body)

  for (const who of [hirer, invited, ta.admin()]) {
    const res = await getJob(job.id, who)
    t.equal(res.status, 200, `${who.role} reads it`)
    t.match(res.body, { id: job.id, visibility: 'invite_only' })
  }

  const applied = await applyAs(invited, job.id)
  t.equal(applied.status, 201, 'the invited worker applies')
  t.equal((await applyAs(invited, job.id)).body.code, 'JOB_ERR_ALREADY_APPLIED')
  t.equal((await getJob(job.id, hirer)).body.applicationCount, 1)

  const list = await call(app, 'GET', `/api/jobs/${job.id}/invitations`, hirer)
  t.equal(list.status, 200)
  t.same(list.body, { items: [first.body], nextCursor: null })
  t.equal((await call(app, 'GET', `/api/jobs/${job.id}/invitations`, ta.hirer())).status, 404, 'not yours')
})

t.test('lists show an invite-only job to the invited only', async (t) => {
  const hirer = ta.hirer()
  const skill = `sk${Math.random().toString(36).slice(2, 8)}`
  const invited = ta.worker()
  await onProfile(profileUpdated(invited.id, 1, { skills: [skill] }))
  const stranger = ta.worker()
  await onProfile(profileUpdated(stranger.id, 1, { skills: [skill] }))
  const hidden = await createJob(app, hirer, { visibility: 'invite_only', skills: [skill] })
  const shown = await createJob(app, hirer, { skills: [skill] })
  await invite(hirer, hidden.id, invited.id)

  const ids = (items: Array<{ id?: string; job?: { id: string } }>) => items.map((i) => i.job?.id ?? i.id)
  for (const who of [invited, stranger]) {
    const search = await call(app, 'GET', `/api/jobs?skills=${skill}`, who)
    t.same(ids(search.body.items), [shown.id], `search, ${who === invited ? 'invited' : 'stranger'}`)
    for (const status of ['open', 'closed', 'cancelled'])
      t.notOk(
        ids((await call(app, 'GET', `/api/jobs?skills=${skill}&status=${status}`, who)).body.items).includes(
          hidden.id,
        ),
        `search status=${status}`,
      )
    const recommended = await call(app, 'GET', '/api/jobs/recommended?limit=100', who)
    t.notOk(ids(recommended.body.items).includes(hidden.id), 'recommendations')
  }

  const mine = await call(app, 'GET', '/api/jobs/invited', invited)
  t.equal(mine.status, 200)
  t.same(ids(mine.body.items), [hidden.id], "the invited worker's list")
  t.match(mine.body.items[0], { job: { id: hidden.id, title: hidden.title }, invitedAt: String })
  t.same((await call(app, 'GET', '/api/jobs/invited', stranger)).body.items, [], "a stranger's list is empty")
  t.equal((await call(app, 'GET', '/api/jobs/invited', hirer)).status, 403, 'workers only')
})

t.test('GET /api/jobs/invited pages newest first and hides drafts until published', async (t) => {
  const hirer = ta.hirer()
  const w = await knownWorker()
  const jobs = []
  for (let i = 0; i < 3; i++) {
    const job = await createJob(app, hirer, { visibility: 'invite_only' })
    await invite(hirer, job.id, w.id)
    jobs.push(job)
  }
  const draft = await createJob(app, hirer, { visibility: 'invite_only', draft: true })
  t.equal((await invite(hirer, draft.id, w.id)).status, 201, 'a draft may invite')
  t.equal((await getJob(draft.id, w)).status, 404, 'but the draft stays hidden')

  const p1 = await call(app, 'GET', '/api/jobs/invited?limit=2', w)
  const p2 = await call(app, 'GET', `/api/jobs/invited?limit=2&cursor=${p1.body.nextCursor}`, w)
  const seen = [...p1.body.items, ...p2.body.items].map((i: { job: { id: string } }) => i.job.id)
  t.same(seen, [jobs[2]!.id, jobs[1]!.id, jobs[0]!.id], 'newest first, the draft left out')
  t.equal(p2.body.nextCursor, null)
  const bad = await call(app, 'GET', '/api/jobs/invited?cursor=nope', w)
  t.equal(bad.status, 400)
  t.match(bad.body.errors, [{ field: 'cursor' }])

  t.equal((await call(app, 'POST', `/api/jobs/${draft.id}/publish`, hirer)).status, 200)
  t.equal((await getJob(draft.id, w)).status, 200, 'published: the invited worker sees it')
})

t.test('POST /api/jobs/:id/invitations refusals', async (t) => {
  const hirer = ta.hirer()
  const job = await createJob(app, hirer, { visibility: 'invite_only' })
  const w = await knownWorker()

  const nobody = await invite(hirer, job.id, 'worker-does-not-exist')
  t.equal(nobody.status, 404)
  t.equal(nobody.body.code, 'JOB_ERR_WORKER_NOT_FOUND', 'an id that is no worker')
  const aHirer = ta.hirer()
  await onProfile(profileUpdated(aHirer.id, 1, { role: 'hirer' }))
  t.equal((await invite(hirer, job.id, aHirer.id)).body.code, 'JOB_ERR_WORKER_NOT_FOUND', 'a hirer')

  t.equal((await invite(ta.hirer(), job.id, w.id)).status, 404, "another hirer's job")
  t.equal((await invite(w, job.id, w.id)).status, 403, 'workers cannot invite')
  const bad = await invite(hirer, job.id, 'has spaces')
  t.equal(bad.status, 400)
  t.match(bad.body.errors, [{ field: 'workerId' }])

  await call(app, 'POST', `/api/jobs/${job.id}/close`, hirer, {})
  const closed = await invite(hirer, job.id, w.id)
  t.equal(closed.status, 409)
  t.equal(closed.body.code, 'JOB_ERR_INVITATION_NOT_ALLOWED')
})

t.test('a worker who applied before the job turned invite-only still sees it', async (t) => {
  const hirer = ta.hirer()
  const w = await knownWorker()
  const job = await createJob(app, hirer)
  await apply(app, w, job.id)
  const patched = await call(app, 'PATCH', `/api/jobs/${job.id}`, hirer, { visibility: 'invite_only' })
  t.equal(patched.status, 200)
  t.equal((await getJob(job.id, w)).status, 200, 'the applicant')
  t.equal((await getJob(job.id, await knownWorker())).status, 404, 'a stranger')
  t.equal((await applyAs(await knownWorker(), job.id)).status, 404, 'nor can a stranger apply now')
})
