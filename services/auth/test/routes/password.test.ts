import { eventProbe, otpFrom } from '@kelmah/testing'
import t from 'tap'
import { buildTestApp, call, nextMail, register, uniqueEmail } from '../fixtures/app.js'

const NEW_PASSWORD = 'Brand-new-secret-7'

t.test('passwords', async (t) => {
  const ta = await buildTestApp()
  const probe = await eventProbe({ exchange: ta.exchange })
  t.teardown(async () => {
    await probe.close()
    await ta.close()
  })
  const login = (email: string, password: string) => call(ta.app, 'POST', '/login', { email, password })

  t.test('POST /api/auth/password/forgot', async (t) => {
    t.test('answers 202 for an unknown email and mails nothing', async (t) => {
      const email = uniqueEmail('nobody')
      const res = await call(ta.app, 'POST', '/password/forgot', { email })
      t.equal(res.status, 202)
      await t.rejects(nextMail(email, 'reset', 1_000), /no mail/)
    })

    t.test('answers 202 and mails a reset code to an account', async (t) => {
      const u = await register(ta.app)
      const res = await call(ta.app, 'POST', '/password/forgot', { email: u.email })
      t.equal(res.status, 202)
      t.match(otpFrom(await nextMail(u.email, 'reset')), /^\d{6}$/)
    })
  })

  t.test('POST /api/auth/password/reset', async (t) => {
    t.test('sets the new password, ends every session and publishes PasswordChanged(reset)', async (t) => {
      const u = await register(ta.app)
      const other = await login(u.email, u.password)
      await call(ta.app, 'POST', '/password/forgot', { email: u.email })
      const code = otpFrom(await nextMail(u.email, 'reset'))
      const res = await call(ta.app, 'POST', '/password/reset', {
        email: u.email,
        code,
        newPassword: NEW_PASSWORD,
      })
      t.equal(res.status, 204)
      t.equal((await login(u.email, u.password)).status, 401, 'the old password fails')
      t.equal((await login(u.email, NEW_PASSWORD)).status, 200, 'the new password works')
      t.equal(
        (await call(ta.app, 'POST', '/refresh', { refreshToken: other.body.refreshToken })).status,
        401,
        'old sessions are revoked',
      )
      t.equal((await call(ta.app, 'GET', '/me', undefined, u.accessToken)).status, 401)
      const event = await probe.waitFor(
        (e) => e.type === 'PasswordChanged' && (e.data as { userId: string }).userId === u.id,
      )
      t.match(event.data, { userId: u.id, reason: 'reset' })
      const reuse = await call(ta.app, 'POST', '/password/reset', {
        email: u.email,
        code,
        newPassword: 'Another-secret-8',
      })
      t.equal(reuse.status, 400, 'the code works once')
    })

    t.test('refuses a wrong code', async (t) => {
      const u = await register(ta.app)
      await call(ta.app, 'POST', '/password/forgot', { email: u.email })
      const code = otpFrom(await nextMail(u.email, 'reset'))
      const bad = String((Number(code) + 1) % 1_000_000).padStart(6, '0')
      const res = await call(ta.app, 'POST', '/password/reset', {
        email: u.email,
        code: bad,
        newPassword: NEW_PASSWORD,
      })
      t.equal(res.status, 400)
      t.equal(res.body.code, 'AUTH_ERR_OTP_INVALID')
    })

    t.test('does not take the email verification code', async (t) => {
      const u = await register(ta.app)
      const res = await call(ta.app, 'POST', '/password/reset', {
        email: u.email,
        code: u.code,
        newPassword: NEW_PASSWORD,
      })
      t.equal(res.status, 400)
    })

    t.test('refuses a weak new password, naming newPassword', async (t) => {
      const u = await register(ta.app)
      const res = await call(ta.app, 'POST', '/password/reset', {
        email: u.email,
        code: '123456',
        newPassword: 'short',
      })
      t.equal(res.status, 400)
      t.match(res.body.errors, [{ field: 'newPassword', message: /at least 10/ }])
    })

    t.test("lifts the login throttle of the owner's source", async (t) => {
      const u = await register(ta.app)
      for (let i = 0; i < 5; i++) await login(u.email, 'Wrong-password-1')
      t.equal((await login(u.email, u.password)).status, 429)
      await call(ta.app, 'POST', '/password/forgot', { email: u.email })
      const code = otpFrom(await nextMail(u.email, 'reset'))
      t.equal(
        (await call(ta.app, 'POST', '/password/reset', { email: u.email, code, newPassword: NEW_PASSWORD }))
          .status,
        204,
      )
      t.equal((await login(u.email, NEW_PASSWORD)).status, 200)
    })
  })

  t.test('POST /api/auth/password/change', async (t) => {
    t.test(
      'changes the password, ends other sessions only and publishes PasswordChanged(change)',
      async (t) => {
        const u = await register(ta.app)
        const other = await login(u.email, u.password)
        const res = await call(
          ta.app,
          'POST',
          '/password/change',
          { currentPassword: u.password, newPassword: NEW_PASSWORD },
          u.accessToken,
        )
        t.equal(res.status, 204)
        t.equal((await login(u.email, NEW_PASSWORD)).status, 200)
        t.equal(
          (await call(ta.app, 'POST', '/refresh', { refreshToken: other.body.refreshToken })).status,
          401,
          'other sessions are revoked',
        )
        t.equal(
          (await call(ta.app, 'GET', '/me', undefined, u.accessToken)).status,
          401,
          'every access token issued before the change is void, this one too',
        )
        const renewed = await call(ta.app, 'POST', '/refresh', { refreshToken: u.refreshToken })
        t.equal(renewed.status, 200, 'this session lives on: it refreshes into a working token')
        t.equal((await call(ta.app, 'GET', '/me', undefined, renewed.body.accessToken)).status, 200)
        const event = await probe.waitFor(
          (e) => e.type === 'PasswordChanged' && (e.data as { userId: string }).userId === u.id,
        )
        t.match(event.data, { userId: u.id, reason: 'change' })
      },
    )

    t.test('refuses a wrong current password, naming currentPassword', async (t) => {
      const u = await register(ta.app)
      const res = await call(
        ta.app,
        'POST',
        '/password/change',
        { currentPassword: 'Not-my-password-1', newPassword: NEW_PASSWORD },
        u.accessToken,
      )
      t.equal(res.status, 400)
      t.equal(res.body.code, 'AUTH_ERR_WRONG_PASSWORD')
      t.match(res.body.errors, [{ field: 'currentPassword' }])
    })

    t.test('refuses a weak new password, naming newPassword', async (t) => {
      const u = await register(ta.app)
      const res = await call(
        ta.app,
        'POST',
        '/password/change',
        { currentPassword: u.password, newPassword: 'aaaaaaaaaaaa' },
        u.accessToken,
      )
      t.equal(res.status, 400)
      t.match(res.body.errors, [{ field: 'newPassword', message: /two kinds/ }])
    })

    t.test('needs an access token', async (t) => {
      t.equal(
        (await call(ta.app, 'POST', '/password/change', { currentPassword: 'a', newPassword: NEW_PASSWORD }))
          .status,
        401,
      )
    })
  })
})
