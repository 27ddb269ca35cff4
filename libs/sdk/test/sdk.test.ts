/**
 * The SDK against the real apps behind the real gateway (test/fixtures/stack.ts): a hirer and a
 * worker sign up (codes from MailDev) and sign in, calls survive a rejected access token by one
 * refresh (and the spent refresh token stays spent), jobs are iterated across pages, a bad body
 * is a KelmahProblem naming the field, a money call carries an Idempotency-Key, and a chat goes
 * round trip over the socket, including a resend after a dropped connection.
 *
 * The README's examples are the blocks between `// README: <name>` and `// END README` here;
 * `test/readme.test.ts` checks the README shows exactly them.
 */
import { randomBytes } from 'node:crypto'
import { eventually, otpFrom, waitForMail } from '@kelmah/testing'
import t from 'tap'
import { createKelmah, isProblem, KelmahProblem, ok, type Kelmah } from '../src/index.js'
import { startStack, type Stack } from './fixtures/stack.js'

const PASSWORD = 'Correct-horse-42'

/** Sign a new account up through the SDK, verify its email with the mailed code, sign in again. */
async function signUp(
  baseUrl: string,
  role: 'hirer' | 'worker',
  onFetch?: (url: string, headers: Headers) => void,
) {
  const email = `sdk-${role}-${randomBytes(4).toString('hex')}@example.com`
  const fetchSpy: typeof fetch = (input, init) => {
    if (input instanceof Request) onFetch?.(input.url, input.headers)
    else onFetch?.(String(input), new Headers(init?.headers))
    return fetch(input, init)
  }
  // README: sign-in
  const kelmah = createKelmah({ baseUrl, fetch: fetchSpy })
  await kelmah.auth.register({ email, password: PASSWORD, name: 'Ama Mensah', role })
  const code = otpFrom(await waitForMail(email)) // the code mailed (MailDev locally)
  await kelmah.auth.verifyOtp({ email, code })
  // A token minted before the email was verified says so; sign in for one that says it is.
  const { user } = await kelmah.auth.login({ email, password: PASSWORD })
  // END README
  return { kelmah, user, email }
}

const jobBody = (title: string) => ({
  title,
  description: 'We need a responsive storefront in React with a Node.js API and Stripe checkout.',
  category: 'web-development',
  skills: ['React', 'TypeScript'],
  budget: { type: 'fixed' as const, amountMinor: 150_000, currency: 'USD' as const },
})

t.test('the SDK against the real gateway and services', async (t) => {
  const stack: Stack = await startStack()
  t.teardown(() => stack.close())
  const refreshes: string[] = []
  const idempotencyKeys: Array<string | null> = []
  const hirer = await signUp(stack.baseUrl, 'hirer', (url, headers) => {
    if (url.endsWith('/api/auth/refresh')) refreshes.push(url)
    if (url.endsWith('/api/payments/escrow')) idempotencyKeys.push(headers.get('idempotency-key'))
  })
  const worker = await signUp(stack.baseUrl, 'worker')
  t.equal(hirer.user.emailVerified, true, 'the hirer signed in with a verified email')

  await t.test('a rejected access token is refreshed once for concurrent calls, then retried', async (t) => {
    const kelmah: Kelmah = hirer.kelmah
    const before = kelmah.session!
    // Garble the signature: the gateway refuses the token (401) as it would an expired one.
    kelmah.setSession({ ...before, accessToken: `${before.accessToken.slice(0, -4)}AAAA` })
    const answers = await Promise.all([1, 2, 3].map(() => ok(kelmah.api.GET('/api/auth/me'))))
    t.same(
      answers.map((a) => a.user.email),
      [hirer.email, hirer.email, hirer.email],
      'every call succeeded',
    )
    t.equal(refreshes.length, 1, 'three 401s made one refresh')
    t.not(kelmah.session!.refreshToken, before.refreshToken, 'the refresh token was rotated')
    t.not(kelmah.session!.accessToken, before.accessToken)

    // The spent token stays spent: sent again (by someone else), it is refused as reused.
    const replay = await fetch(`${stack.baseUrl}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: before.refreshToken }),
    })
    t.equal(replay.status, 401)
    t.equal(((await replay.json()) as { code: string }).code, 'AUTH_ERR_REFRESH_REUSED')
    // …which revoked the family: the SDK's next refresh fails and it forgets the session.
    kelmah.setSession({ ...kelmah.session!, accessToken: 'not-a-token' })
    const err = await kelmah.api.GET('/api/auth/me').catch((e: unknown) => e)
    t.ok(isProblem(err), 'the call rejects with a KelmahProblem')
    t.equal((err as KelmahProblem).status, 401)
    t.equal(kelmah.session, null, 'the session is forgotten, never retried with an old token')
    await kelmah.auth.login({ email: hirer.email, password: PASSWORD })
    t.ok(kelmah.session, 'signed in again')
  })

  await t.test('jobs are iterated across pages by nextCursor', async (t) => {
    const kelmah = hirer.kelmah
    const word = `zq${randomBytes(3).toString('hex')}`
    for (let i = 0; i < 4; i++)
      await ok(kelmah.api.POST('/api/jobs', { body: jobBody(`Storefront ${word} number ${i}`) }))
    const { title, description, category, skills, budget } = jobBody(`Storefront ${word} number 4`)
    // README: calls
    const job = await ok(
      kelmah.api.POST('/api/jobs', { body: { title, description, category, skills, budget } }),
    )
    const again = await ok(kelmah.api.GET('/api/jobs/{id}', { params: { path: { id: job.id } } }))
    // END README
    t.equal(again.title, title, 'the job reads back')
    const pages: string[] = []
    const spy = createKelmah({
      baseUrl: stack.baseUrl,
      session: kelmah.session!,
      fetch: (input, init) => {
        if (input instanceof Request) pages.push(new URL(input.url).searchParams.get('cursor') ?? 'first')
        return fetch(input, init)
      },
    })
    const titles: string[] = []
    // README: jobs
    for await (const job of spy.jobs.list({ q: word, limit: 2 })) titles.push(job.title)
    // END README
    t.equal(titles.length, 5, 'all five jobs, once each')
    t.equal(new Set(titles).size, 5)
    t.equal(pages.length, 3, 'three pages of at most two')
  })

  await t.test('a 400 is a KelmahProblem naming the field', async (t) => {
    const kelmah = hirer.kelmah
    // README: problem
    try {
      await kelmah.api.POST('/api/jobs', { body: { ...jobBody('Hi'), title: '' } })
    } catch (err) {
      if (!(err instanceof KelmahProblem)) throw err
      t.equal(err.status, 400)
      t.equal(err.code, 'KIT_ERR_VALIDATION')
      t.ok(err.field('title'), `the problem names the field: ${err.errors.map((e) => e.field).join(', ')}`)
    }
    // END README
    await t.rejects(kelmah.api.POST('/api/jobs', { body: { ...jobBody('Hi'), title: '' } }), KelmahProblem)
  })

  await t.test('a money call carries a fresh Idempotency-Key', async (t) => {
    const kelmah = hirer.kelmah
    const unknownContract = randomBytes(12).toString('hex')
    const milestoneId = randomBytes(12).toString('hex')
    const fund = () =>
      kelmah.api
        .POST('/api/payments/escrow', { body: { contractId: unknownContract, milestoneId } })
        .catch((e: unknown) => e)
    const [a, b] = [await fund(), await fund()]
    t.ok(
      isProblem(a) && a.status === 404,
      `an unknown contract is a 404 problem (${String((a as Error).message)})`,
    )
    t.ok(isProblem(b))
    t.equal(idempotencyKeys.length, 2)
    t.match(idempotencyKeys[0], /^[0-9a-f-]{36}$/, 'a UUID key was sent')
    t.not(idempotencyKeys[0], idempotencyKeys[1], 'each call has its own key')
  })

  await t.test('a chat round trip over the socket, and a resend after a dropped connection', async (t) => {
    const workerId = worker.user.id
    // messaging learns the worker from auth's UserRegistered on the bus.
    const hirerSocket = hirer.kelmah.socket({ initialDelayMs: 50 })
    const workerSocket = worker.kelmah.socket({ initialDelayMs: 50 })
    t.teardown(() => {
      hirerSocket.close()
      workerSocket.close()
    })
    await Promise.all([hirerSocket.connected(), workerSocket.connected()])

    // README: chat
    const received = workerSocket.next('new_message')
    const delivered = await eventually(
      () =>
        hirerSocket
          .sendMessage({ type: 'chat', recipientId: workerId, message: 'Hello from the SDK' })
          .catch((err: unknown) => {
            if ((err as { reason?: string }).reason === 'not_found') return undefined // not known yet
            throw err
          }),
      10_000,
      'messaging to know the worker',
    )
    t.equal((await received).message.content, 'Hello from the SDK')
    // END README
    t.equal(delivered.message.senderId, hirer.user.id)

    const typing = hirerSocket.next('user_typing', (f) => f.isTyping)
    workerSocket.send({ type: 'typing_start', recipientId: hirer.user.id })
    t.equal((await typing).from, workerId, 'the typing indicator reached the other side')

    // Drop the hirer's socket and send while it is down: the message goes after the reconnect.
    hirerSocket.drop()
    const later = workerSocket.next('new_message', (f) => f.message.content === 'Sent while offline')
    const pending = hirerSocket.sendMessage({
      type: 'chat',
      recipientId: workerId,
      message: 'Sent while offline',
    })
    const ack = await pending
    t.equal((await later).message.id, ack.messageId, 'delivered once the socket was back')
    t.ok(hirerSocket.connections >= 2, 'the socket reconnected')
    t.equal(hirerSocket.unacknowledged, 0)

    // The same clientId again (as a resend after a lost acknowledgement) is stored once.
    const again = await hirerSocket.sendMessage({
      type: 'chat',
      recipientId: workerId,
      message: 'Sent while offline',
      clientId: ack.clientId!,
    })
    t.equal(again.messageId, ack.messageId)
    t.equal(again.duplicate, true)
  })
})
