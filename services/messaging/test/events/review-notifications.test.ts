/**
 * The review story's notifications (issue 13): `ContractCompleted` tells each party a review is
 * waiting to be written, `ReviewsRevealed` tells each subject their review(s) are public. Users
 * are made from tokens here (no fixture helper), so the test stands whatever the user directory.
 */
import { createEvent } from '@kelmah/contracts'
import t from 'tap'
import { notificationsFor } from '../../src/domain/notifications.js'
import { call, eventually, publish, startCluster, type User } from '../fixtures/app.js'

t.test('notificationsFor', async (t) => {
  t.test('ContractCompleted: review_requested to both parties, naming the other one', async (t) => {
    const drafts = notificationsFor({
      type: 'ContractCompleted',
      data: { contractId: 'c1', jobId: 'j1', hirerId: 'h', workerId: 'w', title: 'Fix the roof' },
    })
    t.match(drafts, [
      { recipientId: 'h', kind: 'review_requested', data: { contractId: 'c1', jobId: 'j1', subjectId: 'w' } },
      { recipientId: 'w', kind: 'review_requested', data: { contractId: 'c1', jobId: 'j1', subjectId: 'h' } },
    ])
    t.match(drafts[0]!.body, /"Fix the roof" is complete: review the worker/)
    t.match(drafts[1]!.body, /review the hirer/)
  })

  t.test(
    'ReviewsRevealed: reviews_revealed to each subject once; none when nothing was revealed',
    async (t) => {
      const drafts = notificationsFor({
        type: 'ReviewsRevealed',
        data: {
          contractId: 'c1',
          reviews: [
            { reviewId: 'r1', authorId: 'h', subjectId: 'w' },
            { reviewId: 'r2', authorId: 'w', subjectId: 'h' },
          ],
        },
      })
      t.match(drafts, [
        {
          recipientId: 'w',
          kind: 'reviews_revealed',
          title: 'Your review is public',
          data: { reviewIds: 'r1' },
        },
        { recipientId: 'h', kind: 'reviews_revealed', data: { contractId: 'c1', reviewIds: 'r2' } },
      ])
      t.same(notificationsFor({ type: 'ReviewsRevealed', data: { contractId: 'c1', reviews: [] } }), [])
    },
  )
})

t.test('events in: review notifications', async (t) => {
  const c = await startCluster(t)
  const app = c.app
  const user = (role: 'hirer' | 'worker'): User => {
    const id = `user-${Math.random().toString(16).slice(2, 10)}`
    return { id, token: c.kit.sign({ sub: id, role }) }
  }
  const kindsOf = async (u: User) =>
    ((await call(app, 'GET', '/api/notifications', u)).body.items as Array<{ kind: string }>).map(
      (n) => n.kind,
    )

  t.test('ContractCompleted asks both parties for a review, once per event', async (t) => {
    const [hirer, worker] = [user('hirer'), user('worker')]
    const contractId = `contract-${hirer.id}`
    await publish(app, 'ContractCreated', {
      contractId,
      jobId: 'job-r',
      applicationId: 'app-r',
      hirerId: hirer.id,
      workerId: worker.id,
      title: 'Paint the fence',
      total: { amountMinor: 10_000, currency: 'GHS' },
      milestones: [{ milestoneId: 'm1', title: 'All', amount: { amountMinor: 10_000, currency: 'GHS' } }],
    })
    const completed = await publish(app, 'ContractCompleted', {
      contractId,
      jobId: 'job-r',
      hirerId: hirer.id,
      workerId: worker.id,
      total: { amountMinor: 10_000, currency: 'GHS' },
    })
    const mine = await eventually(async () => {
      const r = await call(app, 'GET', '/api/notifications', worker)
      return r.body.items.length > 0 ? r.body.items : undefined
    })
    t.match(mine, [
      {
        id: `${completed.id}:${worker.id}`,
        kind: 'review_requested',
        data: { contractId, jobId: 'job-r', subjectId: hirer.id },
      },
    ])
    await eventually(async () => ((await kindsOf(hirer)).includes('review_requested') ? true : undefined))
    await app.bus.publish(completed) // a redelivery
    await new Promise((r) => setTimeout(r, 300))
    t.same(await kindsOf(worker), ['review_requested'], 'one notification per event and party')
  })

  t.test('ReviewsRevealed tells each subject; a switched-off kind is skipped', async (t) => {
    const [hirer, worker] = [user('hirer'), user('worker')]
    const off = await call(app, 'PUT', '/api/notifications/preferences', hirer, {
      inApp: { reviews_revealed: false },
    })
    t.equal(off.status, 200)
    t.equal(off.body.inApp.reviews_revealed, false, 'the new kinds can be switched off')
    await app.bus.publish(
      createEvent(
        'ReviewsRevealed',
        {
          contractId: `contract-${worker.id}`,
          reason: 'both_submitted',
          reviews: [
            { reviewId: 'rv-1', authorId: hirer.id, subjectId: worker.id },
            { reviewId: 'rv-2', authorId: worker.id, subjectId: hirer.id },
          ],
        },
        { producer: 'review' },
      ),
    )
    const mine = await eventually(async () => {
      const r = await call(app, 'GET', '/api/notifications', worker)
      return r.body.items.length > 0 ? r.body.items : undefined
    })
    t.match(mine, [{ kind: 'reviews_revealed', title: 'Your review is public', data: { reviewIds: 'rv-1' } }])
    t.same(await kindsOf(hirer), [], 'the hirer switched reviews_revealed off')
  })
})
