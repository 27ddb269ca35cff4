import { eventProbe } from '@kelmah/testing'
import t from 'tap'
import { buildTestApp, call, nextMail, STRONG_PASSWORD, uniqueEmail } from '../fixtures/app.js'

t.test('POST /api/auth/register', async (t) => {
  const ta = await buildTestApp()
  const probe = await eventProbe({ exchange: ta.exchange })
  t.teardown(async () => {
    await probe.close()
    await ta.close()
  })
  const body = (over: Record<string, unknown> = {}) => ({
    email: uniqueEmail(),
    password: STRONG_PASSWORD,
    name: 'Kofi Boateng',
    role: 'hirer',
    ...over,
  })

  t.test('creates the account, signs in and answers 201 with the public user only', async (t) => {
    const email = uniqueEmail('Mixed.Case')
    const res = await call(ta.app, 'POST', '/register', body({ email: email.toUpperCase() }))
    t.equal(res.status, 201)
    t.same(Object.keys(res.body).sort(), ['accessToken', 'refreshToken', 'user'])
    t.same(
      Object.keys(res.body.user).sort(),
      ['email', 'emailVerified', 'id', 'name', 'role'],
      'no password hash, codes or outbox',
    )
    t.match(res.body.user, {
      email: email.toLowerCase(),
      name: 'Kofi Boateng',
      role: 'hirer',
      emailVerified: false,
    })
    t.match(res.body.refreshToken, /^[A-Za-z0-9_-]{43}$/, 'refresh token is 32 random bytes, base64url')
    const me = await call(ta.app, 'GET', '/me', undefined, res.body.accessToken)
    t.equal(me.status, 200, 'the access token works at once')
  })

  t.test('mails a 6-digit verification code', async (t) => {
    const email = uniqueEmail()
    await call(ta.app, 'POST', '/register', body({ email }))
    const mail = await nextMail(email, 'verification')
    t.match(mail.text, /\b\d{6}\b/)
  })

  t.test('publishes UserRegistered with the request id as correlation id', async (t) => {
    const email = uniqueEmail()
    const res = await ta.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: body({ email }),
      headers: { 'x-request-id': 'req-register-1' },
    })
    const id = res.json().user.id
    const event = await probe.waitFor(
      (e) => e.type === 'UserRegistered' && (e.data as { userId: string }).userId === id,
    )
    t.match(event, {
      producer: 'auth',
      correlationId: 'req-register-1',
      data: { userId: id, email, name: 'Kofi Boateng', role: 'hirer' },
    })
  })

  t.test('refuses a second account for the same email, whatever its case, with 409', async (t) => {
    const email = uniqueEmail()
    t.equal((await call(ta.app, 'POST', '/register', body({ email }))).status, 201)
    const again = await call(ta.app, 'POST', '/register', body({ email: `  ${email.toUpperCase()}`.trim() }))
    t.equal(again.status, 409)
    t.equal(again.body.code, 'AUTH_ERR_EMAIL_TAKEN')
  })

  t.test('refuses concurrent registrations of one email but one', async (t) => {
    const email = uniqueEmail()
    const results = await Promise.all([1, 2, 3].map(() => call(ta.app, 'POST', '/register', body({ email }))))
    t.same(results.map((r) => r.status).sort(), [201, 409, 409])
  })

  t.test('refuses a weak password with 400 naming the field and the rule', async (t) => {
    const short = await call(ta.app, 'POST', '/register', body({ password: 'Ab1!' }))
    t.equal(short.status, 400)
    t.equal(short.body.code, 'AUTH_ERR_WEAK_PASSWORD')
    t.match(short.body.errors, [{ field: 'password', message: /at least 10 characters/ }])
    const oneClass = await call(ta.app, 'POST', '/register', body({ password: 'onlylowercaseletters' }))
    t.match(oneClass.body.errors, [{ field: 'password', message: /two kinds/ }])
    const email = uniqueEmail()
    const isEmail = await call(ta.app, 'POST', '/register', body({ email, password: email }))
    t.match(isEmail.body.errors, [{ field: 'password', message: /email/ }])
  })

  t.test('refuses a malformed email with 400 naming the field', async (t) => {
    const res = await call(ta.app, 'POST', '/register', body({ email: 'not-an-email' }))
    t.equal(res.status, 400)
    t.match(res.headers['content-type'], /application\/problem\+json/)
    t.match(res.body.errors, [{ field: 'email' }])
  })

  t.test('refuses the admin role (admins come only from the CLI)', async (t) => {
    const res = await call(ta.app, 'POST', '/register', body({ role: 'admin' }))
    t.equal(res.status, 400)
    t.match(res.body.errors, [{ field: 'role' }])
  })

  t.test('refuses a body without a name', async (t) => {
    const { name: _name, ...rest } = body()
    const res = await call(ta.app, 'POST', '/register', rest)
    t.equal(res.status, 400)
    t.match(res.body.errors, [{ field: 'name' }])
  })
})
