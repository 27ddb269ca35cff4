import { REVOCATION_CHANNEL, revocationKey } from '@kelmah/service-kit'
import { eventProbe, eventually, testEnv } from '@kelmah/testing'
import { Redis } from 'ioredis'
import t from 'tap'
import { createAdmin } from '../../src/cli/create-admin.js'
import { buildTestApp, call, register, STRONG_PASSWORD, TEST_ARGON2, uniqueEmail } from '../fixtures/app.js'

t.test('the admin surface of auth', async (t) => {
  const ta = await buildTestApp()
  const probe = await eventProbe({ exchange: ta.exchange })
  const notices = new Redis(testEnv().redisUrl)
  const heard: string[] = []
  notices.on('message', (_channel: string, message: string) => heard.push(message))
  await notices.subscribe(REVOCATION_CHANNEL)
  t.teardown(async () => {
    await notices.quit()
    await probe.close()
    await ta.close()
  })
  const adminEmail = uniqueEmail('admin')
  const created = await createAdmin(
    { email: adminEmail, password: STRONG_PASSWORD, name: 'Trust and Safety' },
    {
      MONGO_URL: ta.mongoUrl,
      ARGON2_MEMORY_KIB: String(TEST_ARGON2.memoryCost),
      ARGON2_TIME_COST: String(TEST_ARGON2.timeCost),
    },
  )
  const adminLogin = await call(ta.app, 'POST', '/login', { email: adminEmail, password: STRONG_PASSWORD })
  const admin: string = adminLogin.body.accessToken

  t.test('suspend: no sign-in, no refresh, every token void, the event and the audit entry', async (t) => {
    const u = await register(ta.app)
    const before = await call(ta.app, 'GET', '/me', undefined, u.accessToken)
    t.equal(before.status, 200)

    const res = await call(ta.app, 'POST', `/admin/users/${u.id}/suspend`, { reason: 'spam' }, admin)
    t.equal(res.status, 200)
    t.match(res.body.user, { id: u.id, suspended: true, suspendedAt: String })

    t.ok(await ta.app.redis.get(revocationKey(u.id)), 'the revocation mark is set')
    // The notice is published before the answer but reaches this subscriber on its own
    // connection, possibly a moment later.
    const told = await eventually(
      async () => (heard.some((m) => JSON.parse(m).userId === u.id) ? true : undefined),
      5_000,
      'the revocation notice',
    )
    t.ok(told, 'sockets are told')
    const me = await call(ta.app, 'GET', '/me', undefined, u.accessToken)
    t.equal(me.status, 401, 'the access token is void')
    const login = await call(ta.app, 'POST', '/login', { email: u.email, password: u.password })
    t.equal(login.status, 403)
    t.equal(login.body.code, 'AUTH_ERR_ACCOUNT_SUSPENDED')
    const wrong = await call(ta.app, 'POST', '/login', { email: u.email, password: 'Wrong-password-9' })
    t.equal(wrong.body.code, 'AUTH_ERR_BAD_CREDENTIALS', 'only the password holder learns of the suspension')
    const refresh = await call(ta.app, 'POST', '/refresh', { refreshToken: u.refreshToken })
    t.equal(refresh.status, 403)
    t.equal(refresh.body.code, 'AUTH_ERR_ACCOUNT_SUSPENDED')

    const event = await probe.waitFor(
      (e) => e.type === 'UserSuspended' && (e.data as { userId: string }).userId === u.id,
    )
    t.same(event.data, { userId: u.id }, 'the reason stays out of the event')

    const again = await call(ta.app, 'POST', `/admin/users/${u.id}/suspend`, { reason: 'twice' }, admin)
    t.equal(again.status, 409)
    t.equal(again.body.code, 'AUTH_ERR_ALREADY_SUSPENDED')

    const reinstated = await call(
      ta.app,
      'POST',
      `/admin/users/${u.id}/reinstate`,
      { reason: 'appeal ok' },
      admin,
    )
    t.equal(reinstated.status, 200)
    t.equal(reinstated.body.user.suspended, false)
    await probe.waitFor((e) => e.type === 'UserReinstated' && (e.data as { userId: string }).userId === u.id)
    const back = await call(ta.app, 'POST', '/login', { email: u.email, password: u.password })
    t.equal(back.status, 200, 'the user signs in again')
    t.equal((await call(ta.app, 'GET', '/me', undefined, back.body.accessToken)).status, 200)
    t.equal((await call(ta.app, 'GET', '/me', undefined, u.accessToken)).status, 401, 'old tokens stay void')

    const audit = await call(ta.app, 'GET', '/admin/audit?limit=10', undefined, admin)
    t.equal(audit.status, 200)
    const mine = audit.body.items.filter((e: { target: { id: string } }) => e.target.id === u.id)
    t.match(mine, [
      {
        action: 'user.reinstate',
        actorId: created.id,
        reason: 'appeal ok',
        requestId: reinstated.headers['x-request-id'],
      },
      { action: 'user.suspend', actorId: created.id, reason: 'spam', requestId: res.headers['x-request-id'] },
    ])
  })

  t.test('refuses bad input, self-suspension, unknown users and non-admins', async (t) => {
    const u = await register(ta.app)
    const noReason = await call(ta.app, 'POST', `/admin/users/${u.id}/suspend`, {}, admin)
    t.equal(noReason.status, 400)
    t.equal(noReason.body.errors[0].field, 'reason')
    const blank = await call(ta.app, 'POST', `/admin/users/${u.id}/suspend`, { reason: '   ' }, admin)
    t.equal(blank.status, 400)
    const badId = await call(ta.app, 'POST', '/admin/users/nope/suspend', { reason: 'x' }, admin)
    t.equal(badId.status, 400)
    const unknown = await call(
      ta.app,
      'POST',
      '/admin/users/65a000000000000000000001/suspend',
      { reason: 'x' },
      admin,
    )
    t.equal(unknown.status, 404)
    const self = await call(ta.app, 'POST', `/admin/users/${created.id}/suspend`, { reason: 'x' }, admin)
    t.equal(self.body.code, 'AUTH_ERR_SELF_SUSPENSION')
    const notSuspended = await call(ta.app, 'POST', `/admin/users/${u.id}/reinstate`, { reason: 'x' }, admin)
    t.equal(notSuspended.body.code, 'AUTH_ERR_NOT_SUSPENDED')
    for (const [method, url] of [
      ['POST', `/admin/users/${created.id}/suspend`],
      ['GET', '/admin/users?q=a'],
      ['GET', '/admin/audit'],
    ] as const) {
      const worker = await call(ta.app, method, url, { reason: 'x' }, u.accessToken)
      t.equal(worker.status, 403, `${method} ${url} refuses a worker`)
      t.equal(
        (await call(ta.app, method, url, { reason: 'x' })).status,
        401,
        `${method} ${url} refuses strangers`,
      )
    }
  })

  t.test('GET /api/auth/admin/users finds users by email prefix, in cursor pages', async (t) => {
    const tag = `find${Math.random().toString(36).slice(2, 8)}`
    const users = []
    for (let i = 0; i < 3; i++) users.push(await register(ta.app, { email: `${tag}-${i}@example.com` }))
    const p1 = await call(ta.app, 'GET', `/admin/users?q=${tag.toUpperCase()}&limit=2`, undefined, admin)
    t.equal(p1.status, 200)
    t.same(
      p1.body.items.map((u: { email: string }) => u.email),
      [`${tag}-0@example.com`, `${tag}-1@example.com`],
    )
    t.notOk('passwordHash' in p1.body.items[0])
    const p2 = await call(
      ta.app,
      'GET',
      `/admin/users?q=${tag}&limit=2&cursor=${p1.body.nextCursor}`,
      undefined,
      admin,
    )
    t.same(
      p2.body.items.map((u: { email: string }) => u.email),
      [`${tag}-2@example.com`],
    )
    t.equal(p2.body.nextCursor, null)
    const bad = await call(ta.app, 'GET', '/admin/users?cursor=zzz', undefined, admin)
    t.equal(bad.status, 400)
  })
})

t.test('sign-out everywhere and password changes void access tokens at once', async (t) => {
  const ta = await buildTestApp()
  t.teardown(() => ta.close())

  t.test('POST /api/auth/logout-all sets the mark', async (t) => {
    const u = await register(ta.app)
    const res = await call(ta.app, 'POST', '/logout-all', undefined, u.accessToken)
    t.equal(res.status, 204)
    const mark = Number(await ta.app.redis.get(revocationKey(u.id)))
    const claims = JSON.parse(Buffer.from(u.accessToken.split('.')[1]!, 'base64url').toString())
    t.ok(claims.iatMs < mark, 'the old token was issued before the mark')
  })

  t.test(
    'POST /api/auth/password/change voids the old token; the session refreshes into a working one',
    async (t) => {
      const u = await register(ta.app)
      const res = await call(
        ta.app,
        'POST',
        '/password/change',
        { currentPassword: u.password, newPassword: 'Another-horse-43' },
        u.accessToken,
      )
      t.equal(res.status, 204)
      t.ok(await ta.app.redis.get(revocationKey(u.id)))
      t.equal((await call(ta.app, 'GET', '/me', undefined, u.accessToken)).status, 401)
      const refreshed = await call(ta.app, 'POST', '/refresh', { refreshToken: u.refreshToken })
      t.equal(refreshed.status, 200)
      t.equal((await call(ta.app, 'GET', '/me', undefined, refreshed.body.accessToken)).status, 200)
    },
  )
})
