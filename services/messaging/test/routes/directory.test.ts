/**
 * Ids must name users and jobs that exist (issue 14, item 4): conversations, messages, blocks and
 * reports against a user id that was never registered are refused, and a conversation can be
 * tagged with a job only by that job's hirer and a worker who applied or holds its contract.
 * Users and jobs are known from events (the `messaging.directory` queue), published here on the
 * real bus as auth and job would — so each test waits for the read model, as a client would.
 */
import { catalogue } from '@kelmah/contracts'
import t from 'tap'
import { Types } from 'mongoose'
import { directoryModels, jobPartyId } from '../../src/models/directory.js'
import {
  call,
  conversation,
  eventually,
  newUser,
  online,
  publish,
  startCluster,
  unregisteredUser,
  type User,
} from '../fixtures/app.js'

const money = (amountMinor: number) => ({ amountMinor, currency: 'GHS' })

t.test('users and job parties known from events', async (t) => {
  const c = await startCluster(t)
  const app = c.app
  const inst = c.instances[0]!
  const { UserRef, JobParty } = directoryModels(app.mongo)

  const register = async (u: User, role: 'hirer' | 'worker' = 'worker') => {
    await publish(
      app,
      'UserRegistered',
      { userId: u.id, email: `${u.id}@example.com`, name: u.id, role },
      'auth',
    )
    await eventually(() => UserRef.findOne({ _id: u.id }).lean())
  }

  t.test('POST /api/chat/conversations', async (t) => {
    t.test(
      'refuses a participant who never registered (404 naming participantId), then accepts them once UserRegistered is handled',
      async (t) => {
        const a = await newUser(c)
        const ghost = unregisteredUser(c.kit)
        const refused = await call(app, 'POST', '/api/chat/conversations', a, { participantId: ghost.id })
        t.equal(refused.status, 404)
        t.match(refused.headers['content-type'], /application\/problem\+json/)
        t.equal(refused.body.code, 'MSG_ERR_USER_NOT_FOUND')
        t.equal(refused.body.errors[0].field, 'participantId')
        t.equal((await call(app, 'GET', '/api/chat/conversations', a)).body.items.length, 0, 'nothing stored')

        // The eventual-consistency window: the user is known once their UserRegistered is handled.
        await publish(
          app,
          'UserRegistered',
          { userId: ghost.id, email: 'g@example.com', name: 'G', role: 'worker' },
          'auth',
        )
        const res = await eventually(async () => {
          const r = await call(app, 'POST', '/api/chat/conversations', a, { participantId: ghost.id })
          return r.status === 201 ? r : undefined
        })
        t.equal(res.body.otherParticipantId, ghost.id)
      },
    )

    t.test(
      "a deactivated user can no longer be messaged (409) nor sought out (404); an existing conversation's history stays readable",
      async (t) => {
        const [a, b, other] = [await newUser(c), unregisteredUser(c.kit), await newUser(c)]
        await register(b)
        const id = await conversation(app, a, b)
        t.equal(
          (await call(app, 'POST', `/api/chat/conversations/${id}/messages`, a, { content: 'hi' })).status,
          201,
        )
        await publish(app, 'UserDeactivated', { userId: b.id }, 'auth')
        const refused = await eventually(async () => {
          const r = await call(app, 'POST', `/api/chat/conversations/${id}/messages`, a, {
            content: 'still there?',
          })
          return r.status === 409 ? r : undefined
        })
        t.equal(refused.body.code, 'MSG_ERR_RECIPIENT_INACTIVE')
        const fresh = await call(app, 'POST', '/api/chat/conversations', other, { participantId: b.id })
        t.equal(fresh.status, 404)
        t.equal(fresh.body.code, 'MSG_ERR_USER_NOT_FOUND')
        const before = (await call(app, 'GET', `/api/chat/conversations/${id}/messages`, a)).body.items.length
        const again = await call(app, 'POST', `/api/chat/conversations/${id}/messages`, a, { content: 'x' })
        t.equal(again.status, 409)
        const history = await call(app, 'GET', `/api/chat/conversations/${id}/messages`, a)
        t.equal(history.status, 200)
        t.equal(history.body.items.length, before, 'the refused message was not stored')
      },
    )

    t.test(
      'a suspended user cannot be messaged until reinstated',
      {
        skip:
          !('UserSuspended' in catalogue && 'UserReinstated' in catalogue) &&
          'UserSuspended/UserReinstated are not in the catalogue yet',
      },
      async (t) => {
        const [a, b] = [await newUser(c), await newUser(c)]
        const id = await conversation(app, a, b)
        const send = () => call(app, 'POST', `/api/chat/conversations/${id}/messages`, a, { content: 'x' })
        await publish(app, 'UserSuspended' as never, { userId: b.id } as never, 'auth')
        t.equal(await eventually(async () => ((await send()).status === 409 ? 409 : undefined)), 409)
        await publish(app, 'UserReinstated' as never, { userId: b.id } as never, 'auth')
        t.equal(await eventually(async () => ((await send()).status === 201 ? 201 : undefined)), 201)
      },
    )
  })

  t.test('the chat frame to a user who never registered is an error frame; nothing is stored', async (t) => {
    const a = await newUser(c)
    const ghost = unregisteredUser(c.kit)
    const s = await online(t, inst, a)
    s.send({ type: 'chat', recipientId: ghost.id, message: 'hello?', clientId: 'c1' })
    const err = await s.next('error')
    t.match(err, { reason: 'not_found', code: 'MSG_ERR_USER_NOT_FOUND', ref: 'chat', clientId: 'c1' })
    s.send({ type: 'ping' })
    await s.next('pong')
    t.equal((await call(app, 'GET', '/api/chat/conversations', a)).body.items.length, 0)
  })

  t.test('blocks and reports name users that exist', async (t) => {
    const [a, gone] = [await newUser(c), unregisteredUser(c.kit)]
    const ghost = unregisteredUser(c.kit)
    const block = await call(app, 'POST', `/api/chat/blocks/${ghost.id}`, a)
    t.equal(block.status, 404)
    t.equal(block.body.code, 'MSG_ERR_USER_NOT_FOUND')
    t.match(block.body.errors[0], { field: 'userId', in: 'params' })
    const report = await call(app, 'POST', '/api/chat/reports', a, { userId: ghost.id, reason: 'spam' })
    t.equal(report.status, 404)
    t.equal(report.body.errors[0].field, 'userId')
    t.same((await call(app, 'GET', '/api/chat/blocks', a)).body.items, [], 'no block stored')

    // A deactivated user is still a user: they can be blocked and reported.
    await register(gone)
    await publish(app, 'UserDeactivated', { userId: gone.id }, 'auth')
    await eventually(async () => (await UserRef.findOne({ _id: gone.id }).lean())?.deactivatedAt)
    t.equal((await call(app, 'POST', `/api/chat/blocks/${gone.id}`, a)).status, 201)
    t.equal(
      (await call(app, 'POST', '/api/chat/reports', a, { userId: gone.id, reason: 'scam' })).status,
      201,
    )
  })

  t.test('job-tagged conversations are bound to the job’s parties', async (t) => {
    const [hirer, applicant, contracted, otherHirer, stranger] = [
      await newUser(c, 'hirer'),
      await newUser(c),
      await newUser(c),
      await newUser(c, 'hirer'),
      await newUser(c),
    ]
    const jobId = `job-${new Types.ObjectId().toHexString()}`
    await publish(app, 'JobPosted', {
      jobId,
      hirerId: hirer.id,
      title: 'Tile the floor',
      category: 'construction',
      skills: [],
      budget: { type: 'fixed', amountMinor: 10_000, currency: 'GHS' },
    })
    await publish(app, 'ApplicationSubmitted', {
      applicationId: `a-${jobId}`,
      jobId,
      jobTitle: 'Tile the floor',
      hirerId: hirer.id,
      workerId: applicant.id,
      bid: money(9_000),
    })
    await publish(app, 'ContractCreated', {
      contractId: `k-${jobId}`,
      jobId,
      applicationId: `a2-${jobId}`,
      hirerId: hirer.id,
      workerId: contracted.id,
      title: 'Tile the floor',
      total: money(9_000),
      milestones: [{ milestoneId: 'm1', title: 'All', amount: money(9_000) }],
    })
    // Wait for the read model (the directory queue handled both parties).
    await eventually(() => JobParty.findOne({ _id: jobPartyId(jobId, contracted.id) }).lean())
    await eventually(() => JobParty.findOne({ _id: jobPartyId(jobId, applicant.id) }).lean())

    const open = (me: User, other: User, job = jobId) =>
      call(app, 'POST', '/api/chat/conversations', me, { participantId: other.id, jobId: job })

    t.test('the hirer and a contract party may open it, from either side', async (t) => {
      const res = await open(contracted, hirer)
      t.equal(res.status, 201)
      t.equal(res.body.jobId, jobId)
      t.equal((await open(hirer, contracted)).body.id, res.body.id)
      t.ok([200, 201].includes((await open(hirer, applicant)).status), 'the applicant too')
    })

    t.test(
      'anyone else gets 404 MSG_ERR_JOB_NOT_FOUND naming jobId, the same as for an unknown job',
      async (t) => {
        for (const [me, other, why] of [
          [otherHirer, applicant, "another hirer with the job's applicant"],
          [applicant, otherHirer, 'the applicant with another hirer'],
          [stranger, hirer, 'a worker who never applied, with the hirer'],
          [applicant, contracted, 'two workers of the job'],
        ] as const) {
          const res = await open(me, other)
          t.equal(res.status, 404, why)
          t.equal(res.body.code, 'MSG_ERR_JOB_NOT_FOUND', why)
          t.equal(res.body.errors[0].field, 'jobId', why)
        }
        const unknown = await open(hirer, applicant, 'job-nobody-posted')
        t.equal(unknown.status, 404)
        t.equal(unknown.body.code, 'MSG_ERR_JOB_NOT_FOUND')
      },
    )

    t.test("the job's system messages reach only conversations the hirer takes part in", async (t) => {
      // A conversation tagged with the job by others, as the unchecked route used to allow.
      const rogueId = new Types.ObjectId()
      const ids = [otherHirer.id, applicant.id].sort()
      await app.mongo.collection('conversations').insertOne({
        _id: rogueId,
        key: `${ids[0]}|${ids[1]}|${jobId}`,
        participantIds: ids,
        jobId,
        createdBy: otherHirer.id,
        createdAt: new Date(),
        lastActivityAt: new Date(),
        lastMessage: null,
        version: 0,
        outbox: [],
      })
      const legit = (await open(hirer, contracted)).body.id as string
      await publish(app, 'JobUpdated', { jobId, hirerId: hirer.id, status: 'open', changed: ['title'] })
      const got = await eventually(async () => {
        const r = await call(app, 'GET', `/api/chat/conversations/${legit}/messages`, hirer)
        return r.body.items.find((m: { kind: string }) => m.kind === 'job_update')
      })
      t.ok(got, 'the parties get the update')
      await new Promise((r) => setTimeout(r, 300))
      const rogue = await call(
        app,
        'GET',
        `/api/chat/conversations/${rogueId.toHexString()}/messages`,
        otherHirer,
      )
      t.equal(rogue.status, 200)
      t.equal(rogue.body.items.length, 0, 'the rogue conversation gets nothing')
    })
  })
})
