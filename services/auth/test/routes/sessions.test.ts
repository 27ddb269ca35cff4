import t from 'tap'
import { buildTestApp, call, register, uniqueEmail } from '../fixtures/app.js'

t.test('sessions', async (t) => {
  const ta = await buildTestApp()
  t.teardown(() => ta.close())
  const login = (email: string, password: string) => call(ta.app, 'POST', '/login', { email, password })

  t.test('POST /api/auth/login', async (t) => {
    t.test('signs in with the right password, whatever the email case', async (t) => {
      const u = await register(ta.app)
      const res = await login(u.email.toUpperCase(), u.password)
      t.equal(res.status, 200)
      t.match(res.body, {
        user: { id: u.id, email: u.email, role: 'worker' },
        accessToken: String,
        refreshToken: String,
      })
      t.notOk('passwordHash' in res.body.user)
    })

    t.test('refuses a wrong password and an unknown email with the same 401', async (t) => {
      const u = await register(ta.app)
      const wrong = await login(u.email, 'Wrong-password-1')
      const unknown = await login(uniqueEmail('nobody'), 'Wrong-password-1')
      t.equal(wrong.status, 401)
      t.equal(unknown.status, 401)
      t.equal(wrong.body.code, 'AUTH_ERR_BAD_CREDENTIALS')
      t.same(
        [wrong.body.code, wrong.body.detail],
        [unknown.body.code, unknown.body.detail],
        'no hint which part was wrong',
      )
    })

    t.test('forgets failures after a successful login', async (t) => {
      const u = await register(ta.app)
      for (let i = 0; i < 4; i++) await login(u.email, 'Wrong-password-1')
      t.equal((await login(u.email, u.password)).status, 200)
      for (let i = 0; i < 4; i++) await login(u.email, 'Wrong-password-1')
      t.equal((await login(u.email, u.password)).status, 200, 'four more failures do not lock')
    })
  })

  t.test('POST /api/auth/refresh', async (t) => {
    t.test('returns a new pair; the old refresh token stops working', async (t) => {
      const u = await register(ta.app)
      const res = await call(ta.app, 'POST', '/refresh', { refreshToken: u.refreshToken })
      t.equal(res.status, 200)
      t.not(res.body.refreshToken, u.refreshToken)
      t.equal((await call(ta.app, 'GET', '/me', undefined, res.body.accessToken)).status, 200)
      const again = await call(ta.app, 'POST', '/refresh', { refreshToken: res.body.refreshToken })
      t.equal(again.status, 200, 'the new refresh token works')
    })

    t.test('revokes the whole family when an already-rotated token is presented', async (t) => {
      const u = await register(ta.app)
      const second = await call(ta.app, 'POST', '/refresh', { refreshToken: u.refreshToken })
      const third = await call(ta.app, 'POST', '/refresh', { refreshToken: second.body.refreshToken })
      const replay = await call(ta.app, 'POST', '/refresh', { refreshToken: u.refreshToken })
      t.equal(replay.status, 401)
      t.equal(replay.body.code, 'AUTH_ERR_REFRESH_REUSED')
      const latest = await call(ta.app, 'POST', '/refresh', { refreshToken: third.body.refreshToken })
      t.equal(latest.status, 401, 'the newest descendant is revoked too')
      t.equal(
        (await call(ta.app, 'GET', '/me', undefined, third.body.accessToken)).status,
        401,
        "the family's access tokens stop working here",
      )
      const other = await login(u.email, u.password)
      t.equal(other.status, 200, 'signing in again starts a new family')
    })

    t.test('lets exactly one of two concurrent refreshes with the same token win', async (t) => {
      const u = await register(ta.app)
      const results = await Promise.all(
        [1, 2].map(() => call(ta.app, 'POST', '/refresh', { refreshToken: u.refreshToken })),
      )
      t.same(results.map((r) => r.status).sort(), [200, 401])
      const winner = results.find((r) => r.status === 200)
      t.equal(
        (await call(ta.app, 'POST', '/refresh', { refreshToken: winner?.body.refreshToken })).status,
        401,
        'the loser counts as reuse: the family is revoked',
      )
    })

    t.test('refuses an unknown refresh token', async (t) => {
      const res = await call(ta.app, 'POST', '/refresh', { refreshToken: 'x'.repeat(43) })
      t.equal(res.status, 401)
      t.equal(res.body.code, 'AUTH_ERR_REFRESH_INVALID')
    })
  })

  t.test('POST /api/auth/logout', async (t) => {
    t.test(
      "ends the access token's session: 204, then its refresh token and access token fail",
      async (t) => {
        const u = await register(ta.app)
        const other = await login(u.email, u.password)
        t.equal((await call(ta.app, 'POST', '/logout', undefined, u.accessToken)).status, 204)
        t.equal((await call(ta.app, 'POST', '/refresh', { refreshToken: u.refreshToken })).status, 401)
        const me = await call(ta.app, 'GET', '/me', undefined, u.accessToken)
        t.equal(me.status, 401)
        t.equal(me.body.code, 'AUTH_ERR_SESSION_ENDED')
        t.equal(
          (await call(ta.app, 'GET', '/me', undefined, other.body.accessToken)).status,
          200,
          'other sessions live on',
        )
      },
    )

    t.test('ends the session of the refresh token in the body', async (t) => {
      const u = await register(ta.app)
      const other = await login(u.email, u.password)
      t.equal(
        (await call(ta.app, 'POST', '/logout', { refreshToken: other.body.refreshToken }, u.accessToken))
          .status,
        204,
      )
      t.equal((await call(ta.app, 'POST', '/refresh', { refreshToken: other.body.refreshToken })).status, 401)
      t.equal(
        (await call(ta.app, 'GET', '/me', undefined, u.accessToken)).status,
        200,
        'the calling session lives on',
      )
    })

    t.test('needs an access token', async (t) => {
      const res = await call(ta.app, 'POST', '/logout')
      t.equal(res.status, 401)
      t.match(res.headers['www-authenticate'], /Bearer/)
    })
  })

  t.test('POST /api/auth/logout-all ends every session of the user', async (t) => {
    const u = await register(ta.app)
    const a = await login(u.email, u.password)
    const b = await login(u.email, u.password)
    const stranger = await register(ta.app)
    t.equal((await call(ta.app, 'POST', '/logout-all', undefined, a.body.accessToken)).status, 204)
    for (const token of [u.refreshToken, a.body.refreshToken, b.body.refreshToken]) {
      t.equal((await call(ta.app, 'POST', '/refresh', { refreshToken: token })).status, 401)
    }
    t.equal((await call(ta.app, 'GET', '/me', undefined, b.body.accessToken)).status, 401)
    t.equal(
      (await call(ta.app, 'GET', '/me', undefined, stranger.accessToken)).status,
      200,
      "another user's sessions are untouched",
    )
  })

  t.test('GET /api/auth/me answers the signed-in user', async (t) => {
    const u = await register(ta.app, { role: 'hirer', name: 'Yaw Owusu' })
    const res = await call(ta.app, 'GET', '/me', undefined, u.accessToken)
    t.same(res.body, {
      user: { id: u.id, email: u.email, name: 'Yaw Owusu', role: 'hirer', emailVerified: false },
    })
    t.equal((await call(ta.app, 'GET', '/me')).status, 401, 'without a token: 401')
  })
})
