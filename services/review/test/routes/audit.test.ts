/**
 * The admins' audit log of the review service against real FerretDB and RabbitMQ: resolving or
 * dismissing a report and hiding or restoring a review are each one entry (who, what, which
 * report or review, why, which request) readable at `GET /api/reviews/admin/audit` by admins
 * only; a retried decision (409) records nothing more, and records the entry a crash left out.
 */
import t from 'tap'
import { buildTestApp, call, contract, relayed, reviewed, type Actor } from '../fixtures/app.js'

const ta = await buildTestApp()
t.teardown(() => ta.close())

interface Entry {
  id: string
  actorId: string
  action: string
  target: { type: string; id: string }
  reason: string
  at: string
  requestId: string
}

const post = (actor: Actor, url: string, body: unknown = {}) => call(ta.app, 'POST', url, actor, body)

/** A public review (both parties reviewed; outboxes relayed), the worker's of the hirer's. */
async function publicReview(): Promise<string> {
  const c = await contract(ta)
  const ofWorker = await reviewed(ta, c.hirer, c, { rating: 2 })
  const ofHirer = await reviewed(ta, c.worker, c)
  await relayed(ta, ofWorker.id)
  await relayed(ta, ofHirer.id)
  return ofWorker.id
}

/** The audit entries about `id`, newest first, as `actor` reads them (the first 100). */
async function entriesAbout(actor: Actor, id: string): Promise<Entry[]> {
  const res = await call(ta.app, 'GET', '/api/reviews/admin/audit?limit=100', actor)
  if (res.status !== 200) throw new Error(`audit: ${res.status} ${JSON.stringify(res.body)}`)
  return (res.body.items as Entry[]).filter((e) => e.target.id === id)
}

t.test('GET /api/reviews/admin/audit', async (t) => {
  t.test(
    'resolving and dismissing reports are entries with the admin, the report and the note',
    async (t) => {
      const reviewId = await publicReview()
      const first = await post(ta.hirer(), `/api/reviews/${reviewId}/report`, { reason: 'A phone number' })
      const second = await post(ta.worker(), `/api/reviews/${reviewId}/report`, { reason: 'Spam' })
      t.equal(first.status, 201)
      t.equal(second.status, 201)
      const [a, b] = [first.body.report.id as string, second.body.report.id as string]

      const admin = ta.admin()
      const resolved = await post(admin, `/api/reviews/reports/${a}/resolve`, { note: 'Number removed' })
      t.equal(resolved.status, 200)
      const dismissed = await post(admin, `/api/reviews/reports/${b}/dismiss`)
      t.equal(dismissed.status, 200)

      const reader = ta.admin()
      const [entryA, ...moreA] = await entriesAbout(reader, a)
      t.same(moreA, [], 'one entry per decision')
      t.match(entryA, {
        id: `report.resolve:${a}`,
        actorId: admin.id,
        action: 'report.resolve',
        target: { type: 'report', id: a },
        reason: 'Number removed',
        at: resolved.body.report.closedAt,
        requestId: resolved.headers['x-request-id'],
      })
      t.match(await entriesAbout(reader, b), [
        { action: 'report.dismiss', actorId: admin.id, reason: '(no note given)' },
      ])

      // A retry is refused as before and records nothing more.
      const retry = await post(ta.admin(), `/api/reviews/reports/${a}/resolve`, { note: 'again' })
      t.equal(retry.status, 409)
      t.same(await entriesAbout(reader, a), [entryA])
    },
  )

  t.test('hide and restore are entries with the reason; a refused repeat adds none', async (t) => {
    const reviewId = await publicReview()
    const admin = ta.admin()
    const hide = await post(admin, `/api/reviews/${reviewId}/hide`, { reason: 'Abusive language' })
    t.equal(hide.status, 200, JSON.stringify(hide.body))
    t.equal((await post(ta.admin(), `/api/reviews/${reviewId}/hide`, { reason: 'Twice' })).status, 409)
    const other = ta.admin()
    const restore = await post(other, `/api/reviews/${reviewId}/restore`, { reason: 'Appeal accepted' })
    t.equal(restore.status, 200)
    const hideAgain = await post(admin, `/api/reviews/${reviewId}/hide`, { reason: 'Abusive again' })
    t.equal(hideAgain.status, 200)

    const entries = await entriesAbout(admin, reviewId)
    t.match(entries, [
      { action: 'review.hide', actorId: admin.id, reason: 'Abusive again' },
      {
        action: 'review.restore',
        actorId: other.id,
        reason: 'Appeal accepted',
        requestId: restore.headers['x-request-id'],
      },
      {
        action: 'review.hide',
        actorId: admin.id,
        target: { type: 'review', id: reviewId },
        reason: 'Abusive language',
        requestId: hide.headers['x-request-id'],
      },
    ])
    t.equal(entries.length, 3, 'three decisions, three entries')
    t.equal(new Set(entries.map((e) => e.id)).size, 3)
  })

  t.test('a retry after a crash that lost the entry records it, as the first admin', async (t) => {
    const reviewId = await publicReview()
    const report = await post(ta.hirer(), `/api/reviews/${reviewId}/report`, { reason: 'Rude' })
    const admin = ta.admin()
    t.equal(
      (await post(admin, `/api/reviews/reports/${report.body.report.id}/dismiss`, { note: 'Fair' })).status,
      200,
    )
    t.equal((await post(admin, `/api/reviews/${reviewId}/hide`, { reason: 'Rude words' })).status, 200)
    // The crash: the decisions were written, their entries were not. (Only a test reaches past the
    // append-only model, through the raw collection.)
    const log = ta.app.mongo.collection('audit_log')
    await log.deleteMany({ 'target.id': { $in: [reviewId, report.body.report.id] } })
    t.same(await entriesAbout(admin, reviewId), [])

    const later = ta.admin()
    t.equal((await post(later, `/api/reviews/reports/${report.body.report.id}/dismiss`)).status, 409)
    t.equal((await post(later, `/api/reviews/${reviewId}/hide`, { reason: 'x' })).status, 409)
    t.match(await entriesAbout(admin, report.body.report.id), [
      { action: 'report.dismiss', actorId: admin.id, reason: 'Fair' },
    ])
    t.match(await entriesAbout(admin, reviewId), [
      { action: 'review.hide', actorId: admin.id, reason: 'Rude words' },
    ])
  })

  t.test('refuses every role but admin, and anonymous callers', async (t) => {
    for (const actor of [ta.hirer(), ta.worker()]) {
      const res = await call(ta.app, 'GET', '/api/reviews/admin/audit', actor)
      t.equal(res.status, 403, actor.role)
      t.equal(res.body.code, 'KIT_ERR_FORBIDDEN')
      t.match(res.headers['content-type'], /application\/problem\+json/)
    }
    t.equal((await call(ta.app, 'GET', '/api/reviews/admin/audit', null)).status, 401)
  })
})
