/**
 * Writing and reading reviews through the API against real FerretDB and RabbitMQ: who may review
 * and until when (each refusal's code), one review per party (also two concurrent submissions
 * from two app instances), double-blind (hidden from the subject and everyone until both reviewed
 * or the window closed — by the sweep of another instance, with the clock moved), the reveal once
 * when the sweep and the second review race, the lists, the summary and RatingUpdated.
 */
import t from 'tap'
import { DAY_MS } from '../../src/domain/eligibility.js'
import {
  buildTestApp,
  call,
  contract,
  objectId,
  otherInstance,
  ratingEvents,
  reviewed,
  submit,
  testClock,
  type TestApp,
} from '../fixtures/app.js'

const ta = await buildTestApp()
const other = await otherInstance(ta)
t.teardown(async () => {
  await other.close()
  await ta.close()
})

const revealedOf = (app: TestApp, contractId: string) =>
  app.probe.events.filter(
    (e) => e.type === 'ReviewsRevealed' && (e.data as { contractId: string }).contractId === contractId,
  )

t.test('POST /api/reviews', async (t) => {
  t.test(
    'a party reviews the other after the contract completed: 201, ReviewSubmitted without the rating',
    async (t) => {
      const c = await contract(ta)
      const res = await submit(ta, c.hirer, c, {
        rating: 4,
        aspects: { communication: 5, quality: 4 },
        comment: 'Solid work, a day late',
        privateNote: 'The worker asked to be paid outside the platform',
      })
      t.equal(res.status, 201, JSON.stringify(res.body))
      const r = res.body.review
      t.match(r, {
        contractId: c.contractId,
        jobId: c.jobId,
        jobTitle: c.title,
        authorId: c.hirer.id,
        authorRole: 'hirer',
        subjectId: c.worker.id,
        subjectRole: 'worker',
        rating: 4,
        aspects: { communication: 5, quality: 4 },
        comment: 'Solid work, a day late',
        status: 'awaiting_reveal',
        revealedAt: null,
        reply: null,
      })
      t.match(r.id, /^[0-9a-f]{24}$/)
      t.notOk('privateNote' in r, 'the private note is for admins only')
      const event = await ta.probe.waitFor(
        (e) => e.type === 'ReviewSubmitted' && (e.data as { reviewId: string }).reviewId === r.id,
      )
      t.same(event.data, {
        reviewId: r.id,
        contractId: c.contractId,
        authorId: c.hirer.id,
        subjectId: c.worker.id,
        authorRole: 'hirer',
      })
      const admin = await call(ta.app, 'GET', `/api/reviews/${r.id}`, ta.admin())
      t.equal(admin.body.review.privateNote, 'The worker asked to be paid outside the platform')
    },
  )

  t.test(
    'a second review of the same contract by the same author is 409; reviews cannot be edited',
    async (t) => {
      const c = await contract(ta)
      const first = await reviewed(ta, c.worker, c)
      const again = await submit(ta, c.worker, c, { rating: 1, comment: 'changed my mind' })
      t.equal(again.status, 409)
      t.equal(again.body.code, 'REVIEW_ERR_ALREADY_REVIEWED')
      t.match(again.body.detail, first.id)
      const mine = await call(ta.app, 'GET', `/api/reviews/${first.id}`, c.worker)
      t.equal(mine.body.review.rating, 5, 'unchanged')
    },
  )

  t.test('two concurrent submissions by one author from two instances: one review', async (t) => {
    for (let round = 0; round < 4; round++) {
      const c = await contract(ta)
      const results = await Promise.all([
        submit(ta, c.hirer, c, { rating: 5 }),
        submit(other, c.hirer, c, { rating: 2 }),
        submit(ta, c.hirer, c, { rating: 3 }),
        submit(other, c.hirer, c, { rating: 4 }),
      ])
      t.same(
        results.map((r) => r.status).sort(),
        [201, 409, 409, 409],
        `round ${round}: ${results.map((r) => `${r.status} ${r.body.code ?? ''}`).join(', ')}`,
      )
      const count = await ta.app.mongo.collection('reviews').countDocuments({ contractId: c.contractId })
      t.equal(count, 1)
    }
  })

  t.test('a stranger is 403; an unknown contract is 404', async (t) => {
    const c = await contract(ta)
    const stranger = await submit(ta, ta.worker(), c)
    t.equal(stranger.status, 403)
    t.equal(stranger.body.code, 'REVIEW_ERR_NOT_A_PARTY')
    const admin = await submit(ta, ta.admin(), c)
    t.equal(admin.status, 403, 'an admin is not a party either')
    const unknown = await submit(ta, c.hirer, { contractId: objectId() })
    t.equal(unknown.status, 404)
    t.equal(unknown.body.code, 'REVIEW_ERR_CONTRACT_NOT_FOUND')
  })

  t.test('before the contract ended: 409 REVIEW_ERR_CONTRACT_NOT_ENDED', async (t) => {
    const c = await contract(ta, { end: 'none' })
    const res = await submit(ta, c.hirer, c)
    t.equal(res.status, 409)
    t.equal(res.body.code, 'REVIEW_ERR_CONTRACT_NOT_ENDED')
  })

  t.test('cancelled with nothing paid: 409 REVIEW_ERR_NOT_ELIGIBLE; after a payment: open', async (t) => {
    const unpaid = await contract(ta, { end: 'cancelled' })
    const res = await submit(ta, unpaid.worker, unpaid)
    t.equal(res.status, 409)
    t.equal(res.body.code, 'REVIEW_ERR_NOT_ELIGIBLE')
    const paidBefore = await contract(ta, { end: 'cancelled', paid: 1 })
    t.equal((await submit(ta, paidBefore.worker, paidBefore)).status, 201)
    // The payment arrives after the cancellation (a dispute released later): the window opens then.
    const paidAfter = await contract(ta, { end: 'cancelled', paidAfter: 1 })
    t.equal((await submit(ta, paidAfter.hirer, paidAfter)).status, 201)
  })

  t.test('after the window: 409 REVIEW_ERR_WINDOW_CLOSED', async (t) => {
    const clock = testClock()
    const late = await otherInstance(ta, { clock })
    t.teardown(() => late.close())
    const c = await contract(ta)
    clock.offsetMs = ta.config.REVIEW_WINDOW_DAYS * DAY_MS + 1000
    const res = await submit(late, c.hirer, c)
    t.equal(res.status, 409)
    t.equal(res.body.code, 'REVIEW_ERR_WINDOW_CLOSED')
  })

  t.test('bad input is 400 naming the field', async (t) => {
    const c = await contract(ta)
    const cases: [Record<string, unknown>, string][] = [
      [{ rating: 6 }, 'rating'],
      [{ rating: 0 }, 'rating'],
      [{ rating: 4.5 }, 'rating'],
      [{ rating: 'five' }, 'rating'],
      [{ aspects: { quality: 0 } }, 'aspects.quality'],
      [{ aspects: { timeliness: 2.5 } }, 'aspects.timeliness'],
      [{ comment: 'x'.repeat(2001) }, 'comment'],
      [{ privateNote: 'x'.repeat(1001) }, 'privateNote'],
      [{ contractId: 'not an id!' }, 'contractId'],
      [{ contractId: 'x'.repeat(65) }, 'contractId'],
    ]
    for (const [over, field] of cases) {
      const res = await submit(ta, c.hirer, c, over)
      t.equal(res.status, 400, JSON.stringify(over))
      t.match(res.headers['content-type'], /application\/problem\+json/)
      t.ok(
        (res.body.errors as { field: string }[]).some((e) => e.field === field),
        `${JSON.stringify(over)} names ${field}: ${JSON.stringify(res.body.errors)}`,
      )
    }
    const missing = await call(ta.app, 'POST', '/api/reviews', c.hirer, { contractId: c.contractId })
    t.equal(missing.status, 400)
    t.equal(missing.body.errors[0].field, 'rating', 'the first missing field is named')
    const noComment = await call(ta.app, 'POST', '/api/reviews', c.hirer, {
      contractId: c.contractId,
      rating: 5,
    })
    t.equal(noComment.status, 400)
    t.equal(noComment.body.errors[0].field, 'comment')
    t.equal(await ta.app.mongo.collection('reviews').countDocuments({ contractId: c.contractId }), 0)
  })
})

t.test('double-blind', async (t) => {
  t.test('hidden from the subject and everyone until both reviewed; then both at once', async (t) => {
    const c = await contract(ta)
    const stranger = ta.hirer()
    const h = await reviewed(ta, c.hirer, c, { rating: 4, aspects: { quality: 4 } })

    // The worker sees nothing of the hirer's review, in any list or by id; nor does a stranger.
    for (const viewer of [c.worker, stranger]) {
      const list = await call(ta.app, 'GET', `/api/reviews?userId=${c.worker.id}`, viewer)
      t.same(list.body, { items: [], nextCursor: null })
      const one = await call(ta.app, 'GET', `/api/reviews/${h.id}`, viewer)
      t.equal(one.status, 404)
      t.equal(one.body.code, 'REVIEW_ERR_REVIEW_NOT_FOUND')
    }
    const summary = await call(ta.app, 'GET', `/api/reviews/summary?userId=${c.worker.id}`, c.worker)
    t.match(summary.body, { count: 0, average: 0, sequence: 0 })
    // The author sees their own.
    const own = await call(ta.app, 'GET', `/api/reviews/${h.id}`, c.hirer)
    t.equal(own.body.review.status, 'awaiting_reveal')
    const written = await call(ta.app, 'GET', '/api/reviews/written', c.hirer)
    t.same(
      written.body.items.map((r: { id: string }) => r.id),
      [h.id],
    )
    // Pending: the worker still has to review, the hirer not.
    const pendingW = await call(ta.app, 'GET', '/api/reviews/pending', c.worker)
    t.match(pendingW.body.items, [
      { contractId: c.contractId, role: 'worker', subjectId: c.hirer.id, jobTitle: c.title },
    ])
    const left = pendingW.body.items[0].timeLeftMs as number
    t.ok(left > 13 * DAY_MS && left <= 14 * DAY_MS, `time left ${left}`)
    const pendingS = await call(ta.app, 'GET', '/api/reviews/pending', stranger)
    t.same(pendingS.body.items, [], "a stranger has nothing pending on someone else's contract")
    const pendingH = await call(ta.app, 'GET', '/api/reviews/pending', c.hirer)
    t.notOk(pendingH.body.items.some((p: { contractId: string }) => p.contractId === c.contractId))

    // The worker reviews (on the other instance): both are public at once.
    const w = await reviewed(other, c.worker, c, { rating: 5 })
    t.equal(w.status, 'published')
    const event = await ta.probe.waitFor(
      (e) => e.type === 'ReviewsRevealed' && (e.data as { contractId: string }).contractId === c.contractId,
    )
    t.match(event.data, { contractId: c.contractId, reason: 'both_submitted' })
    t.same(
      (event.data as { reviews: { reviewId: string }[] }).reviews.map((r) => r.reviewId).sort(),
      [h.id, w.id].sort(),
    )
    for (const [subject, id] of [
      [c.worker, h.id],
      [c.hirer, w.id],
    ] as const) {
      const list = await call(ta.app, 'GET', `/api/reviews?userId=${subject.id}`, stranger)
      t.same(
        list.body.items.map((r: { id: string; status: string }) => [r.id, r.status]),
        [[id, 'published']],
      )
    }
    const hirerReview = await call(ta.app, 'GET', `/api/reviews/${h.id}`, c.worker)
    t.equal(hirerReview.body.review.status, 'published')
    t.ok(hirerReview.body.review.revealedAt)

    // Ratings: one RatingUpdated per subject, sequence 1.
    const workerRating = await ta.probe.waitFor(
      (e) => e.type === 'RatingUpdated' && (e.data as { userId: string }).userId === c.worker.id,
    )
    t.same(workerRating.data, { userId: c.worker.id, average: 4, count: 1, sequence: 1, bayesianScore: 4 })
    const hirerRating = await ta.probe.waitFor(
      (e) => e.type === 'RatingUpdated' && (e.data as { userId: string }).userId === c.hirer.id,
    )
    t.same(hirerRating.data, { userId: c.hirer.id, average: 5, count: 1, sequence: 1, bayesianScore: 4.17 })
    const s = await call(ta.app, 'GET', `/api/reviews/summary?userId=${c.worker.id}`, stranger)
    t.same(
      { ...s.body, updatedAt: typeof s.body.updatedAt },
      {
        userId: c.worker.id,
        count: 1,
        average: 4,
        bayesianScore: 4,
        distribution: { '1': 0, '2': 0, '3': 0, '4': 1, '5': 0 },
        aspects: { communication: null, quality: 4, timeliness: null, professionalism: null },
        sequence: 1,
        updatedAt: 'string',
      },
    )
    t.equal((await call(ta.app, 'GET', '/api/reviews/pending', c.worker)).body.items.length, 0)
  })

  t.test('both parties at once on two instances: revealed once', async (t) => {
    const contracts = await Promise.all([0, 1, 2].map(() => contract(ta)))
    await Promise.all(contracts.flatMap((c) => [submit(ta, c.hirer, c), submit(other, c.worker, c)]))
    for (const c of contracts) {
      await ta.probe.waitFor(
        (e) => e.type === 'ReviewsRevealed' && (e.data as { contractId: string }).contractId === c.contractId,
      )
      await ta.probe.waitFor(
        (e) => e.type === 'RatingUpdated' && (e.data as { userId: string }).userId === c.worker.id,
      )
    }
    await new Promise((r) => setTimeout(r, 600))
    for (const c of contracts) {
      t.equal(revealedOf(ta, c.contractId).length, 1)
      t.equal(await ta.app.mongo.collection('reveals').countDocuments({ _id: c.contractId } as never), 1)
      t.same(
        ratingEvents(ta, c.worker.id).map((e) => e.sequence),
        [1],
      )
    }
  })

  t.test(
    'the window closes by the sweep of another instance (clock moved): the lone review is revealed',
    async (t) => {
      const c = await contract(ta)
      const h = await reviewed(ta, c.hirer, c, { rating: 3 })
      // A fresh instance (as after a restart) whose clock is past the window, sweeping every 100 ms.
      const clock = testClock()
      clock.offsetMs = 15 * DAY_MS
      const sweeper = await otherInstance(ta, {
        clock,
        skipSweep: false,
        env: { REVIEW_SWEEP_INTERVAL_MS: '100' },
      })
      t.teardown(() => sweeper.close())
      const event = await ta.probe.waitFor(
        (e) => e.type === 'ReviewsRevealed' && (e.data as { contractId: string }).contractId === c.contractId,
      )
      t.same(event.data, {
        contractId: c.contractId,
        reason: 'window_closed',
        reviews: [{ reviewId: h.id, authorId: c.hirer.id, subjectId: c.worker.id }],
      })
      const seen = await call(ta.app, 'GET', `/api/reviews/${h.id}`, c.worker)
      t.equal(seen.body.review.status, 'published')
      const late = await submit(sweeper, c.worker, c)
      t.equal(late.status, 409)
      t.equal(late.body.code, 'REVIEW_ERR_WINDOW_CLOSED')
      const rating = await ta.probe.waitFor(
        (e) => e.type === 'RatingUpdated' && (e.data as { userId: string }).userId === c.worker.id,
      )
      t.match(rating.data, { count: 1, average: 3, sequence: 1 })
      const window = await ta.app.mongo.collection('review_windows').findOne({ _id: c.contractId } as never)
      t.ok(window?.closedAt, 'the window is marked closed')
    },
  )

  t.test('the sweep and the second review race: ReviewsRevealed once', async (t) => {
    const clock = testClock()
    const sweeper = await otherInstance(ta, { clock })
    t.teardown(() => sweeper.close())
    const contracts = await Promise.all([0, 1, 2, 3].map(() => contract(ta)))
    for (const c of contracts) await reviewed(ta, c.hirer, c)
    // The worker's review is accepted on the instance whose clock is still inside the window,
    // while the sweeper's clock is past it.
    clock.offsetMs = 15 * DAY_MS
    await Promise.all([
      ...contracts.map((c) => submit(ta, c.worker, c)),
      sweeper.app.reviews.reveals.sweep(),
      sweeper.app.reviews.reveals.sweep(),
    ])
    await sweeper.app.reviews.reveals.sweep()
    for (const c of contracts) {
      await ta.probe.waitFor(
        (e) => e.type === 'ReviewsRevealed' && (e.data as { contractId: string }).contractId === c.contractId,
      )
    }
    await new Promise((r) => setTimeout(r, 600))
    for (const c of contracts) t.equal(revealedOf(ta, c.contractId).length, 1, c.contractId)
  })
})

t.test('GET /api/reviews', async (t) => {
  t.test('newest first in cursor pages, with the author name and job title; role filters', async (t) => {
    const worker = ta.worker()
    const hirers = [ta.hirer(), ta.hirer(), ta.hirer()]
    const { createEvent } = await import('@kelmah/contracts')
    await ta.deliver(
      createEvent(
        'UserRegistered',
        { userId: hirers[0]!.id, email: 'ama@example.com', name: 'Ama Mensah', role: 'hirer' },
        { producer: 'auth' },
      ),
      'people',
    )
    await ta.deliver(
      createEvent(
        'ProfileUpdated',
        {
          userId: hirers[0]!.id,
          role: 'hirer',
          profileVersion: 3,
          displayName: 'Ama M.',
          skills: [],
          changed: ['displayName'],
        },
        { producer: 'user' },
      ),
      'people',
    )
    // An older snapshot arriving late changes nothing.
    await ta.deliver(
      createEvent(
        'ProfileUpdated',
        {
          userId: hirers[0]!.id,
          role: 'hirer',
          profileVersion: 2,
          displayName: 'Ama Old',
          skills: [],
          changed: ['displayName'],
        },
        { producer: 'user' },
      ),
      'people',
    )
    const ids: string[] = []
    for (const hirer of hirers) {
      const c = await contract(ta, { hirer, worker })
      ids.push((await reviewed(ta, hirer, c)).id)
      await reviewed(ta, worker, c)
    }
    const page1 = await call(ta.app, 'GET', `/api/reviews?userId=${worker.id}&limit=2`, ta.hirer())
    t.equal(page1.status, 200)
    t.same(
      page1.body.items.map((r: { id: string }) => r.id),
      [ids[2], ids[1]],
    )
    t.ok(page1.body.nextCursor)
    const page2 = await call(
      ta.app,
      'GET',
      `/api/reviews?userId=${worker.id}&limit=2&cursor=${page1.body.nextCursor}`,
      ta.hirer(),
    )
    t.same(
      page2.body.items.map((r: { id: string }) => r.id),
      [ids[0]],
    )
    t.equal(page2.body.nextCursor, null)
    t.match(page2.body.items[0], { authorName: 'Ama M.', authorRole: 'hirer', subjectRole: 'worker' })
    t.match(page2.body.items[0].jobTitle, /^Fix the roof/)
    const asHirer = await call(ta.app, 'GET', `/api/reviews?userId=${worker.id}&role=hirer`, ta.hirer())
    t.same(asHirer.body.items, [], 'the worker was never reviewed as a hirer')
    const forged = await call(ta.app, 'GET', `/api/reviews?userId=${worker.id}&cursor=bm9wZQ`, ta.hirer())
    t.equal(forged.status, 400)
    t.equal(forged.body.errors[0].field, 'cursor')
    const bad = await call(ta.app, 'GET', '/api/reviews?limit=5', ta.hirer())
    t.equal(bad.status, 400)
    t.ok((bad.body.errors as { field: string }[]).some((e) => e.field === 'userId'))
    const badRole = await call(ta.app, 'GET', `/api/reviews?userId=${worker.id}&role=admin`, ta.hirer())
    t.equal(badRole.status, 400)
    t.ok((badRole.body.errors as { field: string }[]).some((e) => e.field === 'role'))
  })
})

t.test('every route needs a token', async (t) => {
  const id = objectId()
  for (const [method, url] of [
    ['POST', '/api/reviews'],
    ['GET', `/api/reviews?userId=${id}`],
    ['GET', '/api/reviews/written'],
    ['GET', `/api/reviews/summary?userId=${id}`],
    ['GET', '/api/reviews/pending'],
    ['GET', `/api/reviews/${id}`],
    ['POST', `/api/reviews/${id}/reply`],
    ['POST', `/api/reviews/${id}/report`],
    ['GET', '/api/reviews/reports'],
    ['POST', `/api/reviews/reports/${id}/resolve`],
    ['POST', `/api/reviews/reports/${id}/dismiss`],
    ['POST', `/api/reviews/${id}/hide`],
    ['POST', `/api/reviews/${id}/restore`],
  ] as const) {
    const res = await call(ta.app, method, url, null, method === 'POST' ? {} : undefined)
    t.equal(res.status, 401, `${method} ${url}`)
  }
})

t.test('OpenAPI documents every route with a summary, tags and responses', async (t) => {
  const res = await ta.app.inject({ method: 'GET', url: '/openapi.json' })
  const doc = JSON.parse(res.body) as {
    paths: Record<string, Record<string, { summary?: string; tags?: string[]; responses?: object }>>
  }
  const ops = Object.entries(doc.paths)
    .filter(([p]) => p.startsWith('/api/reviews'))
    .flatMap(([p, m]) => Object.entries(m).map(([verb, op]) => ({ p, verb, op })))
  t.equal(ops.length, 14, 'the 13 review routes and the audit log (GET /api/reviews/admin/audit)')
  for (const { p, verb, op } of ops) {
    t.ok(op.summary && op.tags?.length && op.responses, `${verb} ${p}`)
  }
})

t.test('after all of the above (races included), every stored aggregate matches the reviews', async (t) => {
  const { main } = await import('../../src/cli/ratings-rebuild.js')
  const lines: string[] = []
  const out = { log: (l: string) => lines.push(l), error: (l: string) => lines.push(l) }
  const code = await main(['--dry-run'], { MONGO_URL: ta.mongoUrl }, out)
  t.equal(code, 0, lines.join('\n'))
})
