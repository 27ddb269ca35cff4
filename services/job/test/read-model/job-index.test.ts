/**
 * The browse read model answers like the database: two apps on ONE database — one with the
 * read model (`JOB_READ_MODEL=on`, the default), one forced to the database path (`off`) — must
 * list the same items in the same order, page after page, for a varied set of jobs and queries;
 * also after the model is emptied and rebuilt, and an older version never overwrites a newer one.
 */
import { eventually } from '@kelmah/testing'
import { createEvent } from '@kelmah/contracts'
import { Types } from 'mongoose'
import { test } from 'tap'
import { main as reindex } from '../../src/cli/jobs-reindex.js'
import { jobIndexOf } from '../../src/read-model/hooks.js'
import type { JobIndex } from '../../src/read-model/job-index.js'
import { buildTestApp, call, createJob, apply, type Json, type TestApp } from '../fixtures/app.js'

const QUERIES = [
  '',
  'limit=3',
  'q=storefront&limit=2',
  'q=react storefront',
  'q=zebra',
  'category=design&limit=2',
  'skills=figma,go&limit=2',
  'skills=react',
  'type=hourly',
  'currency=EUR',
  'budgetMin=60000&budgetMax=200000&limit=2',
  'sort=budget_desc&limit=3',
  'sort=budget_asc&limit=3&q=storefront',
  'sort=budget_asc&category=design',
  'sort=relevance&q=react logo&skills=react&limit=2',
  'status=closed',
  'status=draft',
]

/** Every page of `query`, following cursors: the ids, page by page. */
async function pages(ta: TestApp, actor: Json, query: string): Promise<string[][]> {
  const out: string[][] = []
  let cursor: string | null = null
  do {
    const url: string = `/api/jobs?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
    const res = await call(ta.app, 'GET', url, actor)
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(res.body)}`)
    out.push(res.body.items.map((j: Json) => `${j.id}:${j.version}:${j.applicationCount}:${j.status}`))
    cursor = res.body.nextCursor
  } while (cursor && out.length < 20)
  return out
}

test('browse and search answer from the read model as from the database', async (t) => {
  const ta = await buildTestApp()
  const db = await buildTestApp({
    mongoUrl: ta.mongoUrl,
    jwks: ta.kit.jwks,
    skipSubscriptions: true,
    env: { JOB_READ_MODEL: 'off' },
  })
  t.teardown(async () => {
    await jobIndexOf(ta.app.mongo)?.clear()
    await db.close()
    await ta.close()
  })
  const index = jobIndexOf(ta.app.mongo) as JobIndex
  t.notOk(jobIndexOf(db.app.mongo), 'JOB_READ_MODEL=off attaches no model')
  await eventually(async () => (index.built ? true : undefined), 10_000, 'the start build')

  const [h1, h2, h3] = [ta.hirer(), ta.hirer(), ta.hirer()]
  const worker = ta.worker()
  const hourly = (min: number, max: number, currency = 'USD') => ({
    type: 'hourly',
    minMinor: min,
    maxMinor: max,
    currency,
  })
  const jobs: Json[] = []
  for (let i = 0; i < 12; i++) {
    const hirer = [h1, h2, h3][i % 3] as Json
    jobs.push(
      await createJob(ta.app, hirer, {
        title: i % 2 ? `Design a logo ${i}` : `Build a React storefront ${i}`,
        category: i % 3 ? 'web-development' : 'design',
        skills: i % 4 ? ['React', 'Node.js'] : ['Figma'],
        budget:
          i % 5 === 0
            ? hourly(5_000 * (i + 1), 9_000 * (i + 1), i % 2 ? 'EUR' : 'USD')
            : { type: 'fixed', amountMinor: 50_000 + 25_000 * (i % 4), currency: 'USD' },
        ...(i === 7 ? { visibility: 'invite_only' } : {}),
        ...(i === 9 ? { draft: true } : {}),
      }),
    )
  }
  await apply(ta.app, worker, jobs[2].id)
  t.equal((await call(ta.app, 'POST', `/api/jobs/${jobs[4].id}/close`, h2, {})).status, 200)
  // h3's jobs leave every list while h3 is suspended.
  await ta.deliver(createEvent('UserSuspended', { userId: h3.id }, { producer: 'auth' }), 'suspensions')

  const compare = async (label: string, queries = QUERIES) => {
    for (const query of queries) {
      const actor = query.includes('draft') ? h1 : worker
      t.same(await pages(ta, actor, query), await pages(db, actor, query), `${label}: ${query || 'browse'}`)
    }
  }
  t.ok(await index.newest({ status: 'open', skills: [], words: [] }, undefined, 1), 'the model answers')
  await compare('fresh')
  const browse = await pages(ta, worker, 'limit=50')
  t.notOk(
    browse[0]?.some((j) => j.startsWith(jobs[2].id)),
    'the suspended hirer’s job is not listed',
  )
  t.ok(browse[0]?.some((j) => j.startsWith(`${jobs[1].id}`)))

  const bad = await call(ta.app, 'GET', '/api/jobs?cursor=bm90LWEtY3Vyc29y', worker)
  t.equal(bad.status, 400)
  t.match(JSON.stringify(bad.body), /cursor/, 'a bad cursor is a 400 naming cursor')

  // Emptied Redis: answers from the database meanwhile, rebuilt in the background.
  await index.clear()
  t.same(await pages(ta, worker, ''), await pages(db, worker, ''), 'emptied: the database answers')
  await eventually(async () => (index.built ? true : undefined), 10_000, 'the rebuild')
  await compare('rebuilt')

  // An older version never overwrites a newer one.
  const current = (await call(ta.app, 'GET', `/api/jobs/${jobs[1].id}`, worker)).body
  const edited = await call(ta.app, 'PATCH', `/api/jobs/${jobs[1].id}`, h2, {
    title: 'Design a zebra logo',
    version: current.version,
  })
  t.equal(edited.status, 200)
  const Job = ta.app.mongo.model('Job')
  const old = (await Job.findById(jobs[1].id, { outbox: 0 }).lean()) as Json
  t.notOk(
    await index.apply({ ...old, title: 'stale', version: current.version }),
    'an older version is refused',
  )
  t.same(
    (await pages(ta, worker, 'q=zebra'))[0]?.map((j) => j.split(':')[0]),
    [jobs[1].id],
  )
  await compare('edited', ['', 'q=logo', 'sort=budget_desc'])

  // A write the hooks never saw (a crash before the re-index): the job's own event repairs it.
  await ta.app.mongo
    .collection('jobs')
    .updateOne(
      { _id: new Types.ObjectId(jobs[3].id) },
      { $set: { keywords: ['quokka'] }, $inc: { version: 1 } },
    )
  t.same(await pages(ta, worker, 'q=quokka'), [[]], 'not yet in the model')
  const updated = { jobId: jobs[3].id, hirerId: h1.id, status: 'open' as const, changed: ['description'] }
  await ta.deliver(createEvent('JobUpdated', updated, { producer: 'job' }), 'read-model')
  t.same(
    (await pages(ta, worker, 'q=quokka'))[0]?.map((j) => j.split(':')[0]),
    [jobs[3].id],
    'repaired',
  )

  // The CLI: 0 when every entry matches; 1 when it found (and fixed) differences.
  const quiet = { log: () => undefined, error: () => undefined }
  const env = { MONGO_URL: ta.mongoUrl, REDIS_URL: ta.config.REDIS_URL }
  t.equal(await reindex(['--dry-run'], env, quiet), 0, 'reindex --dry-run: all match')
  await index.clear()
  t.equal(await reindex(['--dry-run'], env, quiet), 1, 'reindex --dry-run: an emptied model differs')
  t.equal(await reindex([], env, quiet), 1, 'reindex: differences fixed')
  t.equal(await reindex([], env, quiet), 0, 'reindex: all match after the fix')
  t.equal(await reindex(['--bogus'], env, quiet), 2)
})
