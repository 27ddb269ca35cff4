import { eventProbe, otpFrom } from '@kelmah/testing'
import t from 'tap'
import { buildTestApp, call, nextMail, register, uniqueEmail } from '../fixtures/app.js'

/** A code that is not `code` (same shape). */
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0')

t.test('email verification', async (t) => {
  let offsetMs = 0
  const ta = await buildTestApp({ now: () => new Date(Date.now() + offsetMs) })
  const probe = await eventProbe({ exchange: ta.exchange })
  t.teardown(async () => {
    await probe.close()
    await ta.close()
  })

  t.test('POST /api/auth/otp/verify', async (t) => {
    t.test('verifies the email with the mailed code and publishes EmailVerified', async (t) => {
      const u = await register(ta.app)
      const res = await call(ta.app, 'POST', '/otp/verify', { email: u.email.toUpperCase(), code: u.code })
      t.equal(res.status, 200)
      t.same(res.body, {
        user: { id: u.id, email: u.email, name: 'Ama Mensah', role: 'worker', emailVerified: true },
      })
      const login = await call(ta.app, 'POST', '/login', { email: u.email, password: u.password })
      t.equal(login.body.user.emailVerified, true, 'new tokens say the email is verified')
      const event = await probe.waitFor(
        (e) => e.type === 'EmailVerified' && (e.data as { userId: string }).userId === u.id,
      )
      t.match(event, { producer: 'auth', data: { userId: u.id, email: u.email } })
    })

    t.test('refuses a wrong code, saying how many attempts are left', async (t) => {
      const u = await register(ta.app)
      const res = await call(ta.app, 'POST', '/otp/verify', { email: u.email, code: wrong(u.code) })
      t.equal(res.status, 400)
      t.equal(res.body.code, 'AUTH_ERR_OTP_INVALID')
      t.match(res.body.detail, /4 attempts are left/)
      t.equal(
        (await call(ta.app, 'POST', '/otp/verify', { email: u.email, code: u.code })).status,
        200,
        'the right code still works after one wrong one',
      )
    })

    t.test('refuses an expired code', async (t) => {
      const u = await register(ta.app)
      offsetMs = 10 * 60_000 + 1
      t.teardown(() => {
        offsetMs = 0
      })
      const res = await call(ta.app, 'POST', '/otp/verify', { email: u.email, code: u.code })
      t.equal(res.status, 400)
      t.equal(res.body.code, 'AUTH_ERR_OTP_EXPIRED')
    })

    t.test('refuses a code used before', async (t) => {
      const u = await register(ta.app)
      t.equal((await call(ta.app, 'POST', '/otp/verify', { email: u.email, code: u.code })).status, 200)
      const again = await call(ta.app, 'POST', '/otp/verify', { email: u.email, code: u.code })
      t.equal(again.status, 400)
      t.equal(again.body.code, 'AUTH_ERR_OTP_INVALID')
    })

    t.test('kills the code after 5 wrong attempts, even for the right code next', async (t) => {
      const u = await register(ta.app)
      const statuses = []
      for (let i = 0; i < 5; i++)
        statuses.push(
          (await call(ta.app, 'POST', '/otp/verify', { email: u.email, code: wrong(u.code) })).body.detail,
        )
      t.match(statuses.at(-1), /no attempts are left/)
      const right = await call(ta.app, 'POST', '/otp/verify', { email: u.email, code: u.code })
      t.equal(right.status, 400)
      t.equal(right.body.code, 'AUTH_ERR_OTP_EXHAUSTED')
    })

    t.test('counts concurrent wrong guesses: after 12 at once the code is dead', async (t) => {
      const u = await register(ta.app)
      const guesses = Array.from({ length: 12 }, (_, i) =>
        String((Number(u.code) + 1 + i) % 1_000_000).padStart(6, '0'),
      )
      const results = await Promise.all(
        guesses.map((code) => call(ta.app, 'POST', '/otp/verify', { email: u.email, code })),
      )
      t.ok(results.every((r) => r.status === 400))
      t.equal(
        (await call(ta.app, 'POST', '/otp/verify', { email: u.email, code: u.code })).body.code,
        'AUTH_ERR_OTP_EXHAUSTED',
      )
    })

    t.test('answers an unknown email like a wrong code', async (t) => {
      const res = await call(ta.app, 'POST', '/otp/verify', { email: uniqueEmail(), code: '123456' })
      t.equal(res.status, 400)
      t.equal(res.body.code, 'AUTH_ERR_OTP_INVALID')
    })

    t.test('refuses a code that is not 6 digits, naming the field', async (t) => {
      const res = await call(ta.app, 'POST', '/otp/verify', { email: uniqueEmail(), code: '12ab' })
      t.equal(res.status, 400)
      t.match(res.body.errors, [{ field: 'code' }])
    })
  })

  t.test('POST /api/auth/otp/resend', async (t) => {
    t.test('answers 202 for an unknown email and mails nothing', async (t) => {
      const res = await call(ta.app, 'POST', '/otp/resend', { email: uniqueEmail('nobody') })
      t.equal(res.status, 202)
    })

    t.test('refuses a resend within the cooldown with 429 and Retry-After', async (t) => {
      const u = await register(ta.app)
      const res = await call(ta.app, 'POST', '/otp/resend', { email: u.email })
      t.equal(res.status, 429)
      t.equal(res.body.code, 'AUTH_ERR_OTP_COOLDOWN')
      const retry = Number(res.headers['retry-after'])
      t.ok(retry > 0 && retry <= 60, `Retry-After ${retry} is within the 60 s cooldown`)
    })

    t.test('applies the cooldown to unknown emails too (no enumeration)', async (t) => {
      const email = uniqueEmail('nobody')
      t.equal((await call(ta.app, 'POST', '/otp/resend', { email })).status, 202)
      t.equal((await call(ta.app, 'POST', '/otp/resend', { email })).status, 429)
    })
  })
})

t.test('POST /api/auth/otp/resend after the cooldown', async (t) => {
  const ta = await buildTestApp({ otp: { resendCooldownS: 1 } })
  t.teardown(() => ta.close())

  t.test('mails a new code; the old one stops working', async (t) => {
    const u = await register(ta.app)
    await new Promise((r) => setTimeout(r, 1_100))
    t.equal((await call(ta.app, 'POST', '/otp/resend', { email: u.email })).status, 202)
    const fresh = otpFrom(await nextMail(u.email, 'verification'))
    if (fresh !== u.code) {
      const old = await call(ta.app, 'POST', '/otp/verify', { email: u.email, code: u.code })
      t.equal(old.status, 400, 'the old code is dead')
    }
    t.equal((await call(ta.app, 'POST', '/otp/verify', { email: u.email, code: fresh })).status, 200)
  })

  t.test('mails nothing for an already verified account', async (t) => {
    const u = await register(ta.app)
    await call(ta.app, 'POST', '/otp/verify', { email: u.email, code: u.code })
    await new Promise((r) => setTimeout(r, 1_100))
    t.equal((await call(ta.app, 'POST', '/otp/resend', { email: u.email })).status, 202)
    await t.rejects(nextMail(u.email, 'verification', 1_500), /no mail/, 'no new mail arrives')
  })
})
