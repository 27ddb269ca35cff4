import t from 'tap'
import { buildTestApp, nextMail, register, uniqueEmail } from '../fixtures/app.js'

t.test('POST /api/auth/login throttling (by account and source, never a lock)', async (t) => {
  const ta = await buildTestApp({ lockout: { accountCeiling: 12, accountMaxSpacingS: 2 } })
  t.teardown(() => ta.close())
  const login = (email: string, password: string, ip: string) =>
    ta.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress: ip })

  t.test('an attacker hammering from one source cannot keep the owner out from another', async (t) => {
    const u = await register(ta.app)
    for (let i = 0; i < 5; i++)
      t.equal((await login(u.email, `Wrong-password-${i}`, '203.0.113.7')).statusCode, 401)
    const throttled = await login(u.email, u.password, '203.0.113.7')
    t.equal(throttled.statusCode, 429, 'the attacking source waits, even with the right password')
    t.match(throttled.headers['content-type'], /problem\+json/)
    t.equal(throttled.json().code, 'AUTH_ERR_LOGIN_THROTTLED')
    t.equal(throttled.headers['retry-after'], '1', 'the first delay is short')
    const owner = await login(u.email, u.password, '198.51.100.20')
    t.equal(owner.statusCode, 200, 'the right password from a fresh source works')
    const mail = await nextMail(u.email, 'Failed sign-ins')
    t.match(mail.text, /wrong password/, 'the owner is told')
  })

  t.test('delays grow with every further failure of the pair', async (t) => {
    const u = await register(ta.app)
    const ip = '203.0.113.8'
    for (let i = 0; i < 5; i++) await login(u.email, 'Wrong-password-1', ip)
    const waits: number[] = []
    for (let i = 0; i < 2; i++) {
      // Wait out the current delay (polling), then fail once more.
      let res = await login(u.email, 'Wrong-password-1', ip)
      while (res.statusCode === 429) {
        waits.push(Number(res.headers['retry-after']))
        await new Promise((r) => setTimeout(r, 250))
        res = await login(u.email, 'Wrong-password-1', ip)
      }
      t.equal(res.statusCode, 401)
    }
    const next = await login(u.email, 'Wrong-password-1', ip)
    t.equal(next.statusCode, 429)
    t.equal(next.headers['retry-after'], '4', 'after 7 failures the pair waits 4 s (1, 2, 4, …)')
    t.same(waits.slice(0, 1), [1])
  })

  t.test('unknown emails are throttled the same way (no enumeration), and mail nobody', async (t) => {
    const email = uniqueEmail('nobody')
    for (let i = 0; i < 5; i++) await login(email, 'Wrong-password-1', '203.0.113.9')
    t.equal((await login(email, 'Wrong-password-1', '203.0.113.9')).statusCode, 429)
  })

  t.test('many sources past the account ceiling slow the account, they do not lock it', async (t) => {
    const u = await register(ta.app)
    for (let i = 0; i < 12; i++) await login(u.email, 'Wrong-password-1', `192.0.2.${i + 1}`)
    const first = await login(u.email, u.password, '198.51.100.30')
    const second = await login(u.email, u.password, '198.51.100.31')
    t.equal(first.statusCode, 200, 'one attempt per spacing gets through')
    t.equal(second.statusCode, 429, 'the next within the spacing waits')
    t.equal(second.json().code, 'AUTH_ERR_LOGIN_THROTTLED')
    let res = second
    const started = Date.now()
    while (res.statusCode === 429 && Date.now() - started < 5_000) {
      await new Promise((r) => setTimeout(r, 200))
      res = await login(u.email, u.password, '198.51.100.31')
    }
    t.equal(res.statusCode, 200, 'and the owner gets in after the spacing')
  })
})
