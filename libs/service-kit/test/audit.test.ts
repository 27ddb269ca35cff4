import t from 'tap'
import { dropDatabase, tokenKit, uniqueMongoUrl } from '@kelmah/testing'
import { AuditLog, auditRoutes, buildService } from '../src/index.js'

const keys = tokenKit()

t.test('the audit log', async (t) => {
  const mongoUrl = uniqueMongoUrl('kit_audit')
  let clock = new Date('2026-03-01T10:00:00Z')
  const app = await buildService({
    name: 'kit-audit',
    logLevel: false,
    mongoUrl,
    auth: { jwks: keys.jwks, issuer: 'kelmah-auth', audience: 'kelmah' },
  })
  const log = new AuditLog(app.mongo, { now: () => clock })
  await app.register(auditRoutes, { service: 'kit', log })
  await app.ready()
  t.teardown(async () => {
    await app.close()
    await dropDatabase(mongoUrl)
  })
  const admin = keys.sign({ role: 'admin', sub: 'admin-1' })

  t.test('records entries, once per fact-derived id, and refuses to rewrite them', async (t) => {
    const first = await log.record({
      id: 'suspend:u1:1',
      actorId: 'admin-1',
      action: 'user.suspend',
      target: { type: 'user', id: 'u1' },
      reason: 'spam',
      requestId: 'req-1',
    })
    t.equal(first.at.toISOString(), '2026-03-01T10:00:00.000Z')
    clock = new Date('2026-03-01T10:01:00Z')
    const again = await log.record({
      id: 'suspend:u1:1',
      actorId: 'admin-1',
      action: 'user.suspend',
      target: { type: 'user', id: 'u1' },
      reason: 'spam (retried)',
      requestId: 'req-2',
    })
    t.equal(again.reason, 'spam', 'the retry returns the stored entry')
    const model = app.mongo.models.AuditLog!
    await t.rejects(model.updateOne({ _id: 'suspend:u1:1' }, { $set: { reason: 'nothing' } }), /append-only/)
    await t.rejects(model.deleteMany({}), /append-only/)
    t.equal(await model.countDocuments(), 1)
  })

  t.test('GET /api/kit/admin/audit pages newest first, for admins only', async (t) => {
    for (let i = 0; i < 3; i++) {
      clock = new Date(Date.parse('2026-03-02T00:00:00Z') + i * 1000)
      await log.record({
        actorId: 'admin-1',
        action: 'user.reinstate',
        target: { type: 'user', id: `u${i}` },
        reason: `r${i}`,
        requestId: `q${i}`,
      })
    }
    const url = '/api/kit/admin/audit?limit=2'
    t.equal((await app.inject({ url })).statusCode, 401)
    const worker = await app.inject({ url, headers: { authorization: `Bearer ${keys.sign()}` } })
    t.equal(worker.statusCode, 403)
    t.match(worker.headers['content-type'], /problem\+json/)
    const p1 = await app.inject({ url, headers: { authorization: `Bearer ${admin}` } })
    t.equal(p1.statusCode, 200)
    const body1 = p1.json()
    t.same(
      body1.items.map((e: { target: { id: string } }) => e.target.id),
      ['u2', 'u1'],
    )
    t.type(body1.nextCursor, 'string')
    const p2 = await app.inject({
      url: `${url}&cursor=${body1.nextCursor}`,
      headers: { authorization: `Bearer ${admin}` },
    })
    const body2 = p2.json()
    t.same(
      body2.items.map((e: { target: { id: string } }) => e.target.id),
      ['u0', 'u1'],
    )
    t.equal(body2.items[1].action, 'user.suspend')
    t.equal(body2.nextCursor, null)
    const bad = await app.inject({ url: `${url}&cursor=nope`, headers: { authorization: `Bearer ${admin}` } })
    t.equal(bad.statusCode, 400)
    t.equal(bad.json().errors[0].field, 'cursor')
  })
})
