/**
 * Replies and moderation through the API against real FerretDB and RabbitMQ: the subject replies
 * once to a public review; reports by any signed-in user who can see the review; the admins'
 * queue, resolve and dismiss; hide and restore with the subject's rating following
 * (RatingUpdated, growing sequence); the private note for admins only; every route as the wrong
 * user and the wrong role.
 */
import t from 'tap'
import {
  buildTestApp,
  call,
  contract,
  objectId,
  ratingEvents,
  relayed,
  reviewed,
  type Actor,
  type TestApp,
  type TestContract,
} from '../fixtures/app.js'

const ta = await buildTestApp()
t.teardown(() => ta.close())

/** A contract both parties reviewed (so both reviews are public), relayed and rated. */
async function revealedPair(app: TestApp, ratings: { hirer?: number; worker?: number } = {}) {
  const c = await contract(app)
  const ofWorker = await reviewed(app, c.hirer, c, {
    rating: ratings.hirer ?? 4,
    privateNote: 'note for the platform',
  })
  const ofHirer = await reviewed(app, c.worker, c, { rating: ratings.worker ?? 5 })
  await relayed(app, ofWorker.id)
  await relayed(app, ofHirer.id)
  await app.probe.waitFor(
    (e) => e.type === 'RatingUpdated' && (e.data as { userId: string }).userId === c.worker.id,
  )
  return { c, ofWorker, ofHirer }
}

const post = (actor: Actor | null, url: string, body: unknown = {}) => call(ta.app, 'POST', url, actor, body)

t.test('POST /api/reviews/:id/reply', async (t) => {
  t.test('the subject replies once to a public review; the reply shows with the review', async (t) => {
    const { c, ofWorker } = await revealedPair(ta)
    const res = await post(c.worker, `/api/reviews/${ofWorker.id}/reply`, { comment: 'Thanks, a pleasure' })
    t.equal(res.status, 201, JSON.stringify(res.body))
    t.match(res.body.review.reply, { comment: 'Thanks, a pleasure' })
    const again = await post(c.worker, `/api/reviews/${ofWorker.id}/reply`, { comment: 'One more thing' })
    t.equal(again.status, 409)
    t.equal(again.body.code, 'REVIEW_ERR_ALREADY_REPLIED')
    const list = await call(ta.app, 'GET', `/api/reviews?userId=${c.worker.id}`, ta.hirer())
    t.equal(list.body.items[0].reply.comment, 'Thanks, a pleasure')
  })

  t.test('replies are refused to the author, strangers, admins, and before the reveal', async (t) => {
    const { c, ofWorker } = await revealedPair(ta)
    for (const actor of [c.hirer, ta.worker(), ta.admin()]) {
      const res = await post(actor, `/api/reviews/${ofWorker.id}/reply`, { comment: 'Hi' })
      t.equal(res.status, 403, actor.role)
      t.equal(res.body.code, 'REVIEW_ERR_NOT_THE_SUBJECT')
    }
    const open = await contract(ta)
    const hidden = await reviewed(ta, open.hirer, open)
    const early = await post(open.worker, `/api/reviews/${hidden.id}/reply`, { comment: 'Hi' })
    t.equal(early.status, 404, 'the subject cannot even tell that a review exists before the reveal')
    const unknown = await post(c.worker, `/api/reviews/${objectId()}/reply`, { comment: 'Hi' })
    t.equal(unknown.status, 404)
  })

  t.test('bad input is 400 naming the field', async (t) => {
    const { c, ofWorker } = await revealedPair(ta)
    for (const [body, field] of [
      [{}, 'comment'],
      [{ comment: '' }, 'comment'],
      [{ comment: '   ' }, 'comment'],
      [{ comment: 'x'.repeat(2001) }, 'comment'],
    ] as const) {
      const res = await post(c.worker, `/api/reviews/${ofWorker.id}/reply`, body)
      t.equal(res.status, 400, JSON.stringify(body))
      t.equal(res.body.errors[0].field, field)
    }
    const badId = await post(c.worker, '/api/reviews/nope/reply', { comment: 'Hi' })
    t.equal(badId.status, 400)
    t.equal(badId.body.errors[0].field, 'id')
  })
})

t.test('reports and the admins queue', async (t) => {
  t.test('any signed-in user reports a public review once; admins list, resolve and dismiss', async (t) => {
    const { c, ofWorker } = await revealedPair(ta)
    const reporter = ta.hirer()
    const res = await post(reporter, `/api/reviews/${ofWorker.id}/report`, {
      reason: 'Contains a phone number',
    })
    t.equal(res.status, 201, JSON.stringify(res.body))
    t.match(res.body.report, {
      reviewId: ofWorker.id,
      reporterId: reporter.id,
      reason: 'Contains a phone number',
      status: 'open',
    })
    const again = await post(reporter, `/api/reviews/${ofWorker.id}/report`, { reason: 'Still' })
    t.equal(again.status, 409)
    t.equal(again.body.code, 'REVIEW_ERR_ALREADY_REPORTED')
    const bySubject = await post(c.worker, `/api/reviews/${ofWorker.id}/report`, { reason: 'Unfair' })
    t.equal(bySubject.status, 201)
    const byAuthor = await post(c.hirer, `/api/reviews/${ofWorker.id}/report`, { reason: 'Oops' })
    t.equal(byAuthor.status, 403)
    t.equal(byAuthor.body.code, 'REVIEW_ERR_OWN_REVIEW')

    const admin = ta.admin()
    const queue = await call(ta.app, 'GET', '/api/reviews/reports?limit=1', admin)
    t.equal(queue.status, 200)
    t.equal(queue.body.items.length, 1)
    t.ok(queue.body.nextCursor)
    const queue2 = await call(
      ta.app,
      'GET',
      `/api/reviews/reports?limit=1&cursor=${queue.body.nextCursor}`,
      admin,
    )
    const ids = [queue.body.items[0].id, queue2.body.items[0].id]
    t.same(ids.sort(), [res.body.report.id, bySubject.body.report.id].sort())
    t.equal(queue.body.items[0].review.id, ofWorker.id)
    t.equal(queue.body.items[0].review.privateNote, 'note for the platform', 'admins read the private note')

    const resolved = await post(admin, `/api/reviews/reports/${res.body.report.id}/resolve`, {
      note: 'Hidden',
    })
    t.equal(resolved.status, 200)
    t.match(resolved.body.report, { status: 'resolved', closedBy: admin.id, note: 'Hidden' })
    const dismissed = await post(admin, `/api/reviews/reports/${bySubject.body.report.id}/dismiss`)
    t.match(dismissed.body.report, { status: 'dismissed', note: null })
    const twice = await post(admin, `/api/reviews/reports/${res.body.report.id}/dismiss`)
    t.equal(twice.status, 409)
    t.equal(twice.body.code, 'REVIEW_ERR_REPORT_CLOSED')
    const missing = await post(admin, `/api/reviews/reports/${objectId()}/resolve`)
    t.equal(missing.status, 404)
    t.equal(missing.body.code, 'REVIEW_ERR_REPORT_NOT_FOUND')
    const closed = await call(ta.app, 'GET', '/api/reviews/reports?status=resolved', admin)
    t.ok(closed.body.items.some((r: { id: string }) => r.id === res.body.report.id))
  })

  t.test('a review hidden from the caller cannot be reported (404)', async (t) => {
    const c = await contract(ta)
    const r = await reviewed(ta, c.hirer, c)
    for (const actor of [c.worker, ta.hirer()]) {
      const res = await post(actor, `/api/reviews/${r.id}/report`, { reason: 'Unfair' })
      t.equal(res.status, 404)
    }
  })

  t.test('bad input is 400 naming the field', async (t) => {
    const { ofWorker } = await revealedPair(ta)
    const res = await post(ta.hirer(), `/api/reviews/${ofWorker.id}/report`, { reason: 'x'.repeat(1001) })
    t.equal(res.status, 400)
    t.equal(res.body.errors[0].field, 'reason')
    const status = await call(ta.app, 'GET', '/api/reviews/reports?status=maybe', ta.admin())
    t.equal(status.status, 400)
    t.equal(status.body.errors[0].field, 'status')
    const note = await post(ta.admin(), `/api/reviews/reports/${objectId()}/resolve`, {
      note: 'x'.repeat(1001),
    })
    t.equal(note.status, 400)
    t.equal(note.body.errors[0].field, 'note')
  })
})

t.test('hide and restore', async (t) => {
  t.test("a hidden review leaves the lists and the subject's rating; restored, it returns", async (t) => {
    const worker = ta.worker()
    // Two reviews about the same worker: 5 and 2 stars.
    const c1 = await contractFor(worker)
    const a = await reviewed(ta, c1.hirer, c1, { rating: 5 })
    await reviewed(ta, worker, c1)
    const c2 = await contractFor(worker)
    const b = await reviewed(ta, c2.hirer, c2, { rating: 2, comment: 'rude' })
    await reviewed(ta, worker, c2)
    await relayed(ta, b.id)
    const summary = () => call(ta.app, 'GET', `/api/reviews/summary?userId=${worker.id}`, ta.hirer())
    await waitForSequence(worker.id, 2)
    t.match((await summary()).body, { count: 2, average: 3.5, sequence: 2 })

    const admin = ta.admin()
    const hide = await post(admin, `/api/reviews/${b.id}/hide`, { reason: 'Abusive language' })
    t.equal(hide.status, 200, JSON.stringify(hide.body))
    t.match(hide.body.review, {
      status: 'hidden',
      moderation: { hidden: true, reason: 'Abusive language', by: admin.id },
    })
    t.match((await summary()).body, { count: 1, average: 5, sequence: 3, distribution: { '2': 0, '5': 1 } })
    const list = await call(ta.app, 'GET', `/api/reviews?userId=${worker.id}`, ta.hirer())
    t.same(
      list.body.items.map((r: { id: string }) => r.id),
      [a.id],
    )
    t.equal((await call(ta.app, 'GET', `/api/reviews/${b.id}`, worker)).status, 404)
    const own = await call(ta.app, 'GET', `/api/reviews/${b.id}`, c2.hirer)
    t.equal(own.body.review.status, 'hidden', 'the author still sees it, marked hidden')
    t.notOk('moderation' in own.body.review)
    const twice = await post(admin, `/api/reviews/${b.id}/hide`, { reason: 'Again' })
    t.equal(twice.status, 409)
    t.equal(twice.body.code, 'REVIEW_ERR_MODERATION_STATE')

    const restore = await post(admin, `/api/reviews/${b.id}/restore`, { reason: 'Appeal accepted' })
    t.equal(restore.status, 200)
    t.equal(restore.body.review.status, 'published')
    t.match((await summary()).body, { count: 2, average: 3.5, sequence: 4 })
    await waitForSequence(worker.id, 4)
    t.same(
      ratingEvents(ta, worker.id).map((e) => [e.sequence, e.count, e.average]),
      [
        [1, 1, 5],
        [2, 2, 3.5],
        [3, 1, 5],
        [4, 2, 3.5],
      ],
    )
    const again = await post(admin, `/api/reviews/${b.id}/restore`, { reason: 'Again' })
    t.equal(again.status, 409)
    const missing = await post(admin, `/api/reviews/${objectId()}/hide`, { reason: 'x' })
    t.equal(missing.status, 404)
    const noReason = await post(admin, `/api/reviews/${b.id}/hide`, {})
    t.equal(noReason.status, 400)
    t.equal(noReason.body.errors[0].field, 'reason')
  })
})

t.test('admin routes as the wrong role are 403', async (t) => {
  const { ofWorker } = await revealedPair(ta)
  for (const actor of [ta.hirer(), ta.worker()]) {
    for (const [method, url, body] of [
      ['GET', '/api/reviews/reports', undefined],
      ['POST', `/api/reviews/reports/${objectId()}/resolve`, {}],
      ['POST', `/api/reviews/reports/${objectId()}/dismiss`, {}],
      ['POST', `/api/reviews/${ofWorker.id}/hide`, { reason: 'mine' }],
      ['POST', `/api/reviews/${ofWorker.id}/restore`, { reason: 'mine' }],
    ] as const) {
      const res = await call(ta.app, method, url, actor, body)
      t.equal(res.status, 403, `${actor.role} ${method} ${url}`)
    }
  }
  const view = await call(ta.app, 'GET', `/api/reviews/${ofWorker.id}`, ta.hirer())
  t.equal(view.body.review.status, 'published', 'nothing was hidden')
  t.notOk('privateNote' in view.body.review, 'the private note stays with admins')
})

/** A completed contract between a fresh hirer and `worker`. */
function contractFor(worker: Actor): Promise<TestContract> {
  return contract(ta, { worker })
}

/** Wait until RatingUpdated `sequence` about `userId` was published. */
async function waitForSequence(userId: string, sequence: number): Promise<void> {
  await ta.probe.waitFor(
    (e) =>
      e.type === 'RatingUpdated' &&
      (e.data as { userId: string; sequence: number }).userId === userId &&
      (e.data as { sequence: number }).sequence === sequence,
  )
}
