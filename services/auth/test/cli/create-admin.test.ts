import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { eventProbe } from '@kelmah/testing'
import t from 'tap'
import { buildTestApp, call, STRONG_PASSWORD, TEST_ARGON2, uniqueEmail } from '../fixtures/app.js'

const run = promisify(execFile)
const cli = fileURLToPath(new URL('../../src/cli/create-admin.ts', import.meta.url))

t.test('npm run admin:create', async (t) => {
  const ta = await buildTestApp()
  const probe = await eventProbe({ exchange: ta.exchange })
  t.teardown(async () => {
    await probe.close()
    await ta.close()
  })
  const env = {
    ...process.env,
    MONGO_URL: ta.mongoUrl,
    ARGON2_MEMORY_KIB: String(TEST_ARGON2.memoryCost),
    ARGON2_TIME_COST: String(TEST_ARGON2.timeCost),
  }
  const admin = (args: string[]) =>
    run(process.execPath, ['--conditions=development', '--import', 'tsx', cli, ...args], { env }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({
        code: e.code,
        stdout: e.stdout,
        stderr: e.stderr,
      }),
    )

  const email = uniqueEmail('Admin')
  const created = await admin(['--email', email, '--password', STRONG_PASSWORD, '--name', 'Site Admin'])

  t.test('creates an admin with a verified email who can sign in', async (t) => {
    t.equal(created.code, 0, created.stderr)
    const out = JSON.parse(created.stdout)
    t.match(out, { email: email.toLowerCase(), role: 'admin' })
    const login = await call(ta.app, 'POST', '/login', { email, password: STRONG_PASSWORD })
    t.equal(login.status, 200)
    t.match(login.body.user, { id: out.id, role: 'admin', emailVerified: true })
    const claims = JSON.parse(Buffer.from(login.body.accessToken.split('.')[1], 'base64url').toString())
    t.equal(claims.role, 'admin')
  })

  t.test("publishes UserRegistered through the service's outbox relay", async (t) => {
    const event = await probe.waitFor(
      (e) => e.type === 'UserRegistered' && (e.data as { email: string }).email === email.toLowerCase(),
    )
    t.match(event.data, { role: 'admin', name: 'Site Admin' })
  })

  t.test('refuses an email that has an account (exit 1)', async (t) => {
    const again = await admin(['--email', email, '--password', STRONG_PASSWORD, '--name', 'Twice'])
    t.equal(again.code, 1)
    t.match(again.stderr, /already exists/)
  })

  t.test('refuses a weak password (exit 1) and missing arguments (exit 1)', async (t) => {
    const weak = await admin(['--email', uniqueEmail(), '--password', 'short', '--name', 'X'])
    t.equal(weak.code, 1)
    t.match(weak.stderr, /at least 10 characters/)
    const missing = await admin(['--email', uniqueEmail()])
    t.equal(missing.code, 1)
    t.match(missing.stderr, /usage/)
  })
})
