/**
 * Suspension and revocation across the real apps (issue 14, "Done means": an admin suspends a
 * user and within five seconds that user's requests and sockets are refused everywhere; item 5:
 * sign-out everywhere and a password change void the tokens at the edge and at every service,
 * open sockets closed within seconds).
 *
 * Gateway, auth, user, job, messaging, payment and review run as child processes
 * (`fixtures/stack.ts`: free ports, databases, rate-limit counters and Redis key prefixes of
 * their own). An admin (auth's `admin:create` CLI), a hirer and a worker who signed up through the
 * gateway (code read from MailDev); the hirer posts a job, the worker applies, the hirer writes to
 * the worker, so the worker has something on every service. Then, each time measured from the
 * admin's (or user's) request and printed as a comment:
 *
 * - suspension: the worker's open `/ws` socket closes with 4401, a new upgrade with the old token
 *   is refused (401) at the gateway and at messaging itself, a request with the old access token
 *   to every service answers 401 through the gateway and at the service directly (zero trust:
 *   services keep a mark ≤ 1 s), refresh and sign-in answer 403 `AUTH_ERR_ACCOUNT_SUSPENDED`;
 *   the hirer is unaffected;
 * - reinstatement: the worker signs in again; the tokens from before stay void;
 * - logout-all and password change: the same refusals of the old access token and the socket.
 *
 * The revocation rides Redis (the mark and its notice), not the bus; what other services make of
 * `UserSuspended` (messaging refusing messages to the suspended user) rides the bus, and is
 * asserted in their own subtests. The apps' bus is a RabbitMQ vhost of this run's own
 * (`fixtures/stack.ts`), so the other test files' stacks running beside this one in `npm test` (tap
 * runs files in parallel), or an `npm start`, take none of its events.
 */
import { randomBytes } from 'node:crypto'
import { wsClient, type WsClient } from '@kelmah/testing'
import t, { type Test } from 'tap'
import { type Account, Api, logIn, signUp, unwrap } from './fixtures/people.js'
import { startStack } from './fixtures/stack.js'

/** The bar: refused everywhere within five seconds. */
const BAR_MS = 5_000

/** How long the listings may take to follow a suspension (it rides the bus), ms. */
const LISTING_LIMIT_MS = 10_000

/** How long a poll keeps trying past the bar, so a miss prints its real figure. */
const POLL_LIMIT_MS = 8_000

/** One authenticated request per service (and two for messaging: chat and notifications). */
const PROBES: ReadonlyArray<{ service: string; path: string }> = [
  { service: 'auth', path: '/api/auth/me' },
  { service: 'user', path: '/api/users/me' },
  { service: 'job', path: '/api/applications/mine' },
  { service: 'messaging', path: '/api/chat/conversations' },
  { service: 'messaging', path: '/api/notifications' },
  { service: 'payment', path: '/api/wallet' },
  { service: 'review', path: '/api/reviews/pending' },
]

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** GET `url` with a bearer token → the status and the problem's detail, if any. */
async function probe(url: string, token: string): Promise<{ status: number; detail?: string }> {
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    signal: AbortSignal.timeout(5_000),
  })
  const text = await res.text()
  let detail: string | undefined
  try {
    detail = (JSON.parse(text) as { detail?: string }).detail
  } catch {
    // not JSON
  }
  return { status: res.status, ...(detail ? { detail } : {}) }
}

/** Open a socket at `wsUrl` with `?token=` → 101, or the refused upgrade's status. */
async function upgradeStatus(wsUrl: string, token: string): Promise<number> {
  try {
    const c = await wsClient(`${wsUrl}?token=${token}`)
    await c.close()
    return 101
  } catch (err) {
    return (err as { statusCode?: number }).statusCode ?? 0
  }
}

/**
 * Call `check` until it holds (a pause of `pauseMs` after each answer) or `limitMs` since `t0`
 * has passed.
 *
 * @returns milliseconds from `t0` to the answer that held, or undefined when none did in time
 */
async function msUntil(
  t0: number,
  check: () => Promise<boolean>,
  limitMs = POLL_LIMIT_MS,
  pauseMs = 50,
): Promise<number | undefined> {
  for (;;) {
    if (await check()) return Date.now() - t0
    if (Date.now() - t0 > limitMs) return undefined
    await sleep(pauseMs)
  }
}

/** A figure for the comment table. */
const fmt = (ms: number | undefined, limitMs = POLL_LIMIT_MS) =>
  ms === undefined ? `not within ${limitMs} ms` : `${ms} ms`

const root = t

t.test('suspension and revocation are enforced everywhere within 5 s', async (t) => {
  // More than the package's 120 s per file: seven apps booting at once on a busy 2-core machine may take
  // a minute and more (≈ 40 s on a quiet one).
  root.setTimeout(180_000)

  const started = Date.now()
  const tag = randomBytes(3).toString('hex')
  const password = 'Kelmah-susp-2026!'
  const email = (who: string) => `susp-${who}-${tag}@susp.kelmah.test`
  const admin = { email: email('admin'), password, name: 'Suspension Admin' }
  const stack = await startStack(t, {
    admins: [admin],
    prefix: 'susp',
    readyTimeoutMs: 120_000,
    // The polls below send a few hundred requests per user; the per-user limit is not under test.
    env: { RATE_LIMIT_MAX: '100000' },
  })
  t.comment(`apps ready in ${stack.readyMs} ms`)
  const gateway = stack.gatewayUrl
  const wsGateway = `${gateway.replace('http', 'ws')}/ws`
  const wsMessaging = `${stack.serviceUrl('messaging').replace('http', 'ws')}/ws`
  const api = new Api(gateway)
  const sockets: WsClient[] = []
  t.teardown(() => Promise.all(sockets.map((s) => s.close())))
  const openSocket = async (token: string) => {
    const s = await wsClient(`${wsGateway}?token=${token}`)
    sockets.push(s)
    await s.next('hello')
    return s
  }

  let hirer: Account
  let worker: Account
  let observer: Account
  let adminSession: Account
  try {
    ;[hirer, worker, observer, adminSession] = await Promise.all([
      signUp(api, stack.urls.MAILDEV_URL, {
        email: email('hirer'),
        password,
        name: 'Esi Owusu',
        role: 'hirer',
      }),
      signUp(api, stack.urls.MAILDEV_URL, {
        email: email('worker'),
        password,
        name: 'Yaw Asante',
        role: 'worker',
      }),
      signUp(api, stack.urls.MAILDEV_URL, {
        email: email('observer'),
        password,
        name: 'Abena Ofori',
        role: 'hirer',
      }),
      logIn(api, admin.email, admin.password),
    ])
  } catch (err) {
    t.comment(stack.tail())
    throw err
  }

  // Something of the worker's on every service: a profile, an application to the hirer's job, a
  // conversation with a message from the hirer.
  await api.call('PATCH', '/api/users/me', {
    token: worker.accessToken,
    body: {
      displayName: 'Yaw Asante',
      headline: `Plumber and tiler ${tag}`,
      bio: `Kitchens and bathrooms in Accra. Suspension test ${tag}.`,
      skills: ['plumbing', 'tiling'],
      availability: 'available',
    },
    expect: [200],
  })
  const posted = await api.call('POST', '/api/jobs', {
    token: hirer.accessToken,
    body: {
      title: `Retile a bathroom floor suspension${tag}`,
      description: 'A six square metre bathroom floor: remove the old tiles, level, lay new ones.',
      category: 'construction',
      skills: ['tiling'],
      budget: { type: 'fixed', amountMinor: 60_000, currency: 'USD' },
      duration: 'less_than_1_month',
      experienceLevel: 'intermediate',
    },
    expect: [201],
  })
  const job = unwrap<{ id: string; status: string }>(posted.body, 'job')
  if (job.status === 'draft')
    await api.call('POST', `/api/jobs/${job.id}/publish`, { token: hirer.accessToken, expect: [200] })
  await api.call('POST', `/api/jobs/${job.id}/applications`, {
    token: worker.accessToken,
    body: {
      coverLetter: 'I have retiled more than forty bathrooms; I can start next week.',
      bid: { amountMinor: 55_000, currency: 'USD' },
      estimatedDays: 3,
    },
    expect: [201],
  })
  const socket = await openSocket(worker.accessToken)
  // A new conversation needs messaging to know the worker (UserRegistered, from the bus).
  let conversationId: string | undefined
  const deadline = Date.now() + 20_000
  for (let pause = 100; conversationId === undefined; pause = Math.min(pause * 2, 1_000)) {
    const res = await api.call('POST', '/api/chat/conversations', {
      token: hirer.accessToken,
      body: { participantId: worker.id },
      expect: [200, 201, 404],
    })
    if (res.status !== 404) conversationId = unwrap<{ id: string }>(res.body, 'conversation').id
    else if (Date.now() > deadline) throw new Error('messaging never learned of the worker (UserRegistered)')
    else await sleep(pause)
  }
  await api.call('POST', `/api/chat/conversations/${conversationId}/messages`, {
    token: hirer.accessToken,
    body: { content: 'Hello Yaw, can you come on Monday?' },
    expect: [201],
  })
  await socket.next('new_message', 10_000)
  const jobWord = `suspension${tag}`
  const workerListed = async () => {
    const r = await api.call<{ items: Array<{ id: string }> }>('GET', `/api/users/search?q=${tag}`, {
      token: observer.accessToken,
    })
    return r.body.items.some((p) => p.id === worker.id)
  }
  const jobListed = async () => {
    const r = await api.call<{ items: Array<{ id: string }> }>('GET', `/api/jobs?q=${jobWord}`, {
      token: observer.accessToken,
    })
    return r.body.items.some((j) => j.id === job.id)
  }
  t.ok(await workerListed(), "the worker's profile is found by search (GET /api/users/search)")
  t.ok(await jobListed(), "the hirer's job is found by search (GET /api/jobs)")
  t.comment(`users, job, application, conversation and live socket ready in ${Date.now() - started} ms`)

  /** Every probe, through the gateway and at the service directly, answers `status` to `token`. */
  const everyProbe = async (token: string) =>
    Promise.all(
      PROBES.flatMap((p) => [
        probe(`${gateway}${p.path}`, token).then((r) => ({ ...p, via: 'gateway', ...r })),
        probe(`${stack.serviceUrl(p.service)}${p.path}`, token).then((r) => ({ ...p, via: 'direct', ...r })),
      ]),
    )
  const allAnswer = async (t: Test, token: string, status: number, what: string) => {
    const answers = await everyProbe(token)
    const wrong = answers.filter((a) => a.status !== status)
    t.same(
      wrong.map((a) => `${a.via} ${a.path} → ${a.status}`),
      [],
      `${what}: every service answers ${status}, through the gateway and directly`,
    )
  }

  /**
   * Measure, from `t0`, until the old `token` is refused (401) on every probe through the gateway
   * and directly, and a new upgrade with it is refused at the gateway and at messaging; assert
   * each is within the bar and print the figures.
   */
  const measureRefusals = async (t: Test, label: string, t0: number, token: string) => {
    const rows: Array<{ what: string; ms: number | undefined }> = []
    const details = new Set<string>()
    await Promise.all([
      ...PROBES.flatMap((p) =>
        (['gateway', 'direct'] as const).map(async (via) => {
          const url = `${via === 'gateway' ? gateway : stack.serviceUrl(p.service)}${p.path}`
          const ms = await msUntil(t0, async () => {
            const r = await probe(url, token)
            if (r.status === 401 && r.detail) details.add(`${via}: ${r.detail}`)
            return r.status === 401
          })
          rows.push({ what: `GET ${p.path} (${p.service}, ${via})`, ms })
        }),
      ),
      ...[
        { what: 'new /ws upgrade (gateway)', url: wsGateway },
        { what: 'new /ws upgrade (messaging, direct)', url: wsMessaging },
      ].map(async ({ what, url }) => {
        const ms = await msUntil(t0, async () => (await upgradeStatus(url, token)) === 401)
        rows.push({ what, ms })
      }),
    ])
    rows.sort((a, b) => (a.ms ?? Infinity) - (b.ms ?? Infinity))
    for (const row of rows)
      t.ok(row.ms !== undefined && row.ms <= BAR_MS, `${label}: ${row.what} refused after ${fmt(row.ms)}`)
    const worst = Math.max(...rows.map((r) => r.ms ?? Infinity))
    t.comment(
      `${label}, ms from the request to the first refusal:\n` +
        rows.map((r) => `  ${fmt(r.ms).padStart(9)}  ${r.what}`).join('\n') +
        `\n  worst: ${fmt(Number.isFinite(worst) ? worst : undefined)}`,
    )
    t.ok(
      [...details].some((d) => /revoked/.test(d)),
      `the refusals say the token was revoked (${[...details].join(' | ')})`,
    )
    return worst
  }

  /** When the open `s` closes: its code and the milliseconds from `t0`. */
  const closedAfter = (s: WsClient, t0: () => number) =>
    Promise.race([
      s.closed().then((code) => ({ code, ms: Date.now() - t0() })),
      sleep(POLL_LIMIT_MS + 2_000).then(() => ({ code: undefined, ms: undefined })),
    ])

  const workerAccess = worker.accessToken

  t.test('an admin suspends the worker', async (t) => {
    await allAnswer(t, workerAccess, 200, 'before the suspension')
    // The refresh token is private to Session: a fresh sign-in gives one we hold ourselves.
    const pair = await api.call<{ refreshToken: string }>('POST', '/api/auth/login', {
      body: { email: email('worker'), password },
      expect: [200],
    })
    let t0 = 0
    const closed = closedAfter(socket, () => t0)
    t0 = Date.now()
    const res = await api.call('POST', `/api/auth/admin/users/${worker.id}/suspend`, {
      token: adminSession.accessToken,
      body: { reason: 'suspension test: fraud report' },
      expect: [200],
    })
    const answered = Date.now() - t0
    t.match(res.body, { user: { id: worker.id } }, 'the suspension answers the user')
    const [socketClosed] = await Promise.all([closed, measureRefusals(t, 'suspension', t0, workerAccess)])
    const refresh = await api.call<{ code?: string }>('POST', '/api/auth/refresh', {
      body: { refreshToken: pair.body.refreshToken },
      expect: [401, 403],
    })
    const refreshMs = Date.now() - t0
    const login = await api.call<{ code?: string }>('POST', '/api/auth/login', {
      body: { email: email('worker'), password },
      expect: [200, 401, 403],
    })
    const loginMs = Date.now() - t0
    t.equal(socketClosed.code, 4401, 'the open socket is closed with 4401')
    t.ok(
      socketClosed.ms !== undefined && socketClosed.ms <= BAR_MS,
      `the open socket closed after ${fmt(socketClosed.ms)}`,
    )
    t.match(
      refresh,
      { status: 403, body: { code: 'AUTH_ERR_ACCOUNT_SUSPENDED' } },
      'refresh is refused: suspended',
    )
    t.match(login, { status: 403, body: { code: 'AUTH_ERR_ACCOUNT_SUSPENDED' } }, 'sign-in says suspended')
    t.comment(
      `suspension: answered in ${answered} ms; socket closed (${socketClosed.code}) after ${fmt(socketClosed.ms)}; ` +
        `refresh refused (${refresh.status}) at ${refreshMs} ms; sign-in refused (${login.status}) at ${loginMs} ms`,
    )
    for (const path of ['/api/auth/me', '/api/jobs/mine', '/api/chat/conversations'])
      t.equal(
        (await probe(`${gateway}${path}`, hirer.accessToken)).status,
        200,
        `the hirer's GET ${path} still works`,
      )
    t.equal(
      (await upgradeStatus(wsGateway, hirer.accessToken)) === 101,
      true,
      'and the hirer can still open a socket',
    )

    t.test('reinstated, the worker signs in again; the old tokens stay void', async (t) => {
      await api.call('POST', `/api/auth/admin/users/${worker.id}/reinstate`, {
        token: adminSession.accessToken,
        body: { reason: 'suspension test: report dismissed' },
        expect: [200],
      })
      const again = await logIn(api, email('worker'), password)
      await allAnswer(t, again.accessToken, 200, 'a new sign-in')
      await allAnswer(t, workerAccess, 401, 'the access token from before the suspension')
      const old = await api.call('POST', '/api/auth/refresh', {
        body: { refreshToken: pair.body.refreshToken },
        expect: [401, 403],
      })
      t.equal(old.status, 401, 'the refresh token from before the suspension is void')
      t.equal(await upgradeStatus(wsGateway, workerAccess), 401, 'an upgrade with the old token is refused')
      t.equal(await upgradeStatus(wsGateway, again.accessToken), 101, 'the new token opens a socket')
    })
  })

  t.test('logout-all voids every token and closes the sockets', async (t) => {
    const pair = await api.call<{ accessToken: string; refreshToken: string }>('POST', '/api/auth/login', {
      body: { email: email('worker'), password },
      expect: [200],
    })
    const other = await api.call<{ accessToken: string; refreshToken: string }>('POST', '/api/auth/login', {
      body: { email: email('worker'), password },
      expect: [200],
    })
    const access = pair.body.accessToken
    const s = await openSocket(other.body.accessToken)
    await allAnswer(t, access, 200, 'before logout-all')
    let t0 = 0
    const closed = closedAfter(s, () => t0)
    t0 = Date.now()
    await api.call('POST', '/api/auth/logout-all', { token: access, expect: [204] })
    const answered = Date.now() - t0
    const [socketClosed] = await Promise.all([closed, measureRefusals(t, 'logout-all', t0, access)])
    t.equal(socketClosed.code, 4401, "the socket of the user's other session is closed with 4401")
    t.ok(
      socketClosed.ms !== undefined && socketClosed.ms <= BAR_MS,
      `the socket closed after ${fmt(socketClosed.ms)}`,
    )
    await allAnswer(t, other.body.accessToken, 401, "the other session's access token")
    for (const [name, p] of [
      ['this', pair],
      ['the other', other],
    ] as const) {
      const r = await api.call('POST', '/api/auth/refresh', {
        body: { refreshToken: p.body.refreshToken },
        expect: [200, 401],
      })
      t.equal(r.status, 401, `${name} session's refresh token is void`)
    }
    t.comment(
      `logout-all: answered in ${answered} ms; socket closed (${socketClosed.code}) after ${fmt(socketClosed.ms)}`,
    )
    const again = await logIn(api, email('worker'), password)
    await allAnswer(t, again.accessToken, 200, 'a sign-in after logout-all')
  })

  t.test('a password change voids the access tokens and closes the sockets', async (t) => {
    const pair = await api.call<{ accessToken: string; refreshToken: string }>('POST', '/api/auth/login', {
      body: { email: email('worker'), password },
      expect: [200],
    })
    const access = pair.body.accessToken
    const s = await openSocket(access)
    let t0 = 0
    const closed = closedAfter(s, () => t0)
    t0 = Date.now()
    const newPassword = 'Kelmah-susp-changed-2026!'
    await api.call('POST', '/api/auth/password/change', {
      token: access,
      body: { currentPassword: password, newPassword },
      expect: [204],
    })
    const answered = Date.now() - t0
    const [socketClosed] = await Promise.all([closed, measureRefusals(t, 'password change', t0, access)])
    t.equal(socketClosed.code, 4401, 'the open socket is closed with 4401')
    t.ok(
      socketClosed.ms !== undefined && socketClosed.ms <= BAR_MS,
      `the socket closed after ${fmt(socketClosed.ms)}`,
    )
    const renewed = await api.call<{ accessToken: string }>('POST', '/api/auth/refresh', {
      body: { refreshToken: pair.body.refreshToken },
      expect: [200],
    })
    await allAnswer(t, renewed.body.accessToken, 200, 'the changing session, refreshed')
    t.comment(
      `password change: answered in ${answered} ms; socket closed (${socketClosed.code}) after ${fmt(socketClosed.ms)}`,
    )
    // Back to the first password, so later subtests sign in with it.
    await api.call('POST', '/api/auth/password/change', {
      token: renewed.body.accessToken,
      body: { currentPassword: newPassword, newPassword: password },
      expect: [204],
    })
  })

  let secondSuspensionAt = 0
  t.test('others see the suspension: messages to the suspended worker are refused', async (t) => {
    const t0 = Date.now()
    secondSuspensionAt = t0
    await api.call('POST', `/api/auth/admin/users/${worker.id}/suspend`, {
      token: adminSession.accessToken,
      body: { reason: 'suspension test: second report' },
      expect: [200],
    })
    // UserSuspended rides the bus to messaging's directory (cached there ≤ DIRECTORY_CACHE_MS).
    let last = 0
    const ms = await msUntil(
      t0,
      async () => {
        const r = await api.call('POST', `/api/chat/conversations/${conversationId}/messages`, {
          token: hirer.accessToken,
          body: { content: 'Are you still there?' },
          expect: [201, 409],
        })
        last = r.status
        return r.status === 409
      },
      15_000,
      200,
    )
    t.equal(last, 409, `the hirer's message is refused (409 MSG_ERR_RECIPIENT_INACTIVE) after ${fmt(ms)}`)
    t.comment(
      `messaging refuses messages to the suspended worker after ${fmt(ms)} (UserSuspended on the bus)`,
    )
  })

  t.test('suspended users leave the listings, and come back when reinstated', async (t) => {
    // UserSuspended and UserReinstated ride the bus to the user and job services.
    const gone = await msUntil(secondSuspensionAt, async () => !(await workerListed()), LISTING_LIMIT_MS, 200)
    t.ok(
      gone !== undefined,
      `the suspended worker's profile left GET /api/users/search after ${fmt(gone, LISTING_LIMIT_MS)}`,
    )
    const t0 = Date.now()
    await api.call('POST', `/api/auth/admin/users/${hirer.id}/suspend`, {
      token: adminSession.accessToken,
      body: { reason: 'suspension test: fake jobs' },
      expect: [200],
    })
    const jobGone = await msUntil(t0, async () => !(await jobListed()), LISTING_LIMIT_MS, 200)
    t.ok(
      jobGone !== undefined,
      `the suspended hirer's job left GET /api/jobs after ${fmt(jobGone, LISTING_LIMIT_MS)}`,
    )
    const t1 = Date.now()
    for (const id of [worker.id, hirer.id])
      await api.call('POST', `/api/auth/admin/users/${id}/reinstate`, {
        token: adminSession.accessToken,
        body: { reason: 'suspension test: cleared' },
        expect: [200],
      })
    const [back, jobBack] = await Promise.all([
      msUntil(t1, workerListed, LISTING_LIMIT_MS, 200),
      msUntil(t1, jobListed, LISTING_LIMIT_MS, 200),
    ])
    t.ok(
      back !== undefined,
      `reinstated, the worker's profile is found again after ${fmt(back, LISTING_LIMIT_MS)}`,
    )
    t.ok(jobBack !== undefined, `and the hirer's job after ${fmt(jobBack, LISTING_LIMIT_MS)}`)
    t.comment(
      `listings (UserSuspended/UserReinstated on the bus): the worker's profile left search after ${fmt(gone, LISTING_LIMIT_MS)}, ` +
        `the hirer's job after ${fmt(jobGone, LISTING_LIMIT_MS)}; back after ${fmt(back, LISTING_LIMIT_MS)} and ${fmt(jobBack, LISTING_LIMIT_MS)}`,
    )
  })
})
