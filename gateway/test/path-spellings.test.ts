/**
 * Every spelling of every sensitive and public route of the route table, sent over a real socket
 * (`inject()` would normalise the URL itself): each one either falls under the tight per-IP limit
 * (sensitive) / passes without a token (public) and reaches the upstream as the canonical path, or
 * is refused 400 before any decision — never the loose limit, never a token-free pass to a
 * protected route.
 */
import t, { type Test } from 'tap'
import { connect } from 'node:net'
import { ROUTES } from '../src/routes.js'
import { bearer, startGateway, startUpstream } from './helpers.js'

const AUTH_MAX = '777'
const LOOSE_MAX = '5000'

interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** Send one HTTP/1.1 request with `target` byte for byte (no client-side URL parsing). */
function rawRequest(
  port: number,
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body = '',
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('error', reject)
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      const [head = '', ...rest] = text.split('\r\n\r\n')
      const [statusLine = '', ...lines] = head.split('\r\n')
      const parsed: Record<string, string> = {}
      for (const line of lines) {
        const i = line.indexOf(':')
        parsed[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim()
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers: parsed, body: rest.join('\r\n\r\n') })
    })
    const lines = [
      `${method} ${target} HTTP/1.1`,
      'host: gateway.test',
      'connection: close',
      ...(body ? ['content-type: application/json', `content-length: ${Buffer.byteLength(body)}`] : []),
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ]
    // write, not end: a half-closed socket may be dropped before the proxied answer is written.
    socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`, 'latin1')
  })
}

/**
 * `bad-url`: malformed escapes and non-UTF-8 bytes are refused (400) by Fastify's router itself,
 * before any hook runs — as problem+json `KIT_ERR_BAD_URL` (service-kit's `frameworkErrors`,
 * libs/service-kit/src/client-errors.ts); the gateway's rule would refuse them too.
 */
type Outcome = 'same' | 'refused' | 'bad-url'

/**
 * Equivalent spellings of a canonical path `/a/b/c` (three or more segments), each with what the
 * gateway must do with it: `same` = treated exactly as the canonical path, `refused` = 400
 * problem+json `GATEWAY_ERR_AMBIGUOUS_PATH`, `bad-url` = 400 from the router.
 */
function spellings(path: string): Array<[string, Outcome]> {
  const segs = path.slice(1).split('/')
  const last = segs.at(-1)!
  const head = `/${segs.slice(0, -1).join('/')}`
  const prefix = ROUTES.flatMap((r) => r.prefixes).find((p) => path === p || path.startsWith(`${p}/`))!
  // Extra segments inside the proxy prefix (`/api/webhooks//stripe`): the raw spelling is routed
  // nowhere by Fastify, so the gateway refuses it rather than answering 404.
  const inserted: Outcome = head.length < prefix.length ? 'refused' : 'same'
  const second = segs[1]!
  const enc = (c: string) => `%${c.charCodeAt(0).toString(16)}`
  const upperEnc = (c: string) => enc(c).toUpperCase()
  const withSecond = (s: string) => `/${[segs[0], s, ...segs.slice(2)].join('/')}`
  return [
    [path, 'same'],
    [`${head}//${last}`, inserted],
    [`${path}/`, 'same'],
    [`${path}//`, 'same'],
    [`${head}/./${last}`, inserted],
    [`${path}/.`, 'same'],
    [`${head}/x/../${last}`, inserted],
    [`${head}/x/y/../../${last}`, inserted],
    [`${path}/x/..`, 'same'],
    [withSecond(`${enc(second[0]!)}${second.slice(1)}`), 'same'],
    [`${head}/${upperEnc(last[0]!)}${last.slice(1)}`, 'same'],
    [`${head}/${[...last].map(enc).join('')}`, 'same'],
    [`${path}?x=1`, 'same'],
    [`${head}//./x/../${last}/?x=1`, inserted],
    [`/${segs[0]}//${segs.slice(1).join('/')}`, 'refused'], // routed nowhere by its raw spelling
    [`/${segs[0]}/./${segs.slice(1).join('/')}`, 'refused'],
    [`//${path.slice(1)}`, 'refused'],
    [`/api/jobs/../${path.slice(5)}`, 'refused'], // leaves the prefix it was routed by
    [`/../${path.slice(1)}`, 'refused'],
    [`${path};x`, 'refused'],
    [`${path};jsessionid=1`, 'refused'],
    [`${path}#x`, 'refused'],
    [`${head}%2F${last}`, 'refused'],
    [`${head}%2f${last}`, 'refused'],
    [`${head}%5C${last}`, 'refused'],
    [`${head}\\${last}`, 'refused'],
    [`${head}/%2e/${last}`, 'refused'],
    [`${head}/x/%2E%2E/${last}`, 'refused'],
    [`${head}/x/.%2e/${last}`, 'refused'],
    [`${head}/x/%c0%ae%c0%ae/${last}`, 'bad-url'],
    [`${path}%00`, 'refused'],
    [`${head}/%25${enc(last[0]!).slice(1)}${last.slice(1)}`, 'refused'],
    [`${head}/${last}%`, 'bad-url'],
    [`${head}/${last}%zz`, 'bad-url'],
  ]
}

const auth = ROUTES.find((r) => r.service === 'auth')!
const payment = ROUTES.find((r) => r.service === 'payment')!
const sensitive = auth.sensitivePaths ?? []
const publicRules = [...(auth.publicPaths ?? []), ...(payment.publicPaths ?? [])]

async function system(t: Parameters<typeof startGateway>[0]) {
  const authUp = await startUpstream(t, ['/api/auth'])
  const jobsUp = await startUpstream(t, ['/api/jobs'])
  const payUp = await startUpstream(t, ['/api/payments', '/api/wallet', '/api/webhooks/stripe'])
  const gw = await startGateway(t, {
    AUTH_SERVICE_URL: authUp.url,
    JOB_SERVICE_URL: jobsUp.url,
    PAYMENT_SERVICE_URL: payUp.url,
    RATE_LIMIT_MAX: LOOSE_MAX,
    RATE_LIMIT_AUTH_MAX: AUTH_MAX,
  })
  await gw.app.listen({ port: 0, host: '127.0.0.1' })
  const port = (gw.app.server.address() as { port: number }).port
  const upstreams = [authUp, jobsUp, payUp]
  const seen = () => upstreams.reduce((n, u) => n + u.seen.length, 0)
  return { gw, port, authUp, payUp, seen }
}

function assertRefused(t: Test, res: RawResponse, what: string, outcome: Outcome) {
  t.equal(res.status, 400, `${what}: 400`)
  t.notOk(res.headers['x-ratelimit-limit'], `${what}: refused before any limit is counted`)
  const code = (JSON.parse(res.body) as { code?: string }).code
  t.match(res.headers['content-type'], /^application\/problem\+json/, `${what}: problem+json`)
  if (outcome === 'bad-url') {
    t.ok(code === 'KIT_ERR_BAD_URL' || code === 'GATEWAY_ERR_AMBIGUOUS_PATH', `${what}: ${code}`)
    return
  }
  t.equal(code, 'GATEWAY_ERR_AMBIGUOUS_PATH', `${what}: the code`)
}

t.test('every spelling of a sensitive route gets the tight per-IP limit or a 400', async (t) => {
  const s = await system(t)
  // A signed-in attacker: the hole was a token's loose per-user limit on a respelled login.
  const headers = bearer(s.gw.kit.sign({ sub: 'attacker' }))
  for (const rule of sensitive) {
    for (const [spelling, outcome] of spellings(rule.path)) {
      const what = `${rule.method} ${spelling}`
      const before = s.seen()
      const res = await rawRequest(s.port, rule.method, spelling, headers, '{"email":"a@b.c"}')
      if (outcome !== 'same') {
        assertRefused(t, res, what, outcome)
        t.equal(s.seen(), before, `${what}: no upstream called`)
        continue
      }
      t.equal(res.status, 200, `${what}: proxied`)
      t.equal(res.headers['x-ratelimit-limit'], AUTH_MAX, `${what}: the tight per-IP limit`)
      const query = spelling.includes('?') ? spelling.slice(spelling.indexOf('?')) : ''
      t.equal(s.authUp.seen.at(-1)?.url, rule.path + query, `${what}: the upstream sees the canonical path`)
    }
  }
})

t.test('every spelling of a public route passes without a token as itself, or is refused 400', async (t) => {
  const s = await system(t)
  for (const rule of publicRules) {
    const up = rule.path.startsWith('/api/auth') ? s.authUp : s.payUp
    const isSensitive = sensitive.some((r) => r.method === rule.method && r.path === rule.path)
    for (const [spelling, outcome] of spellings(rule.path)) {
      const what = `${rule.method} ${spelling}`
      const before = s.seen()
      const res = await rawRequest(s.port, rule.method, spelling, {}, rule.method === 'GET' ? '' : '{}')
      if (outcome !== 'same') {
        assertRefused(t, res, what, outcome)
        t.equal(s.seen(), before, `${what}: no upstream called`)
        continue
      }
      t.equal(res.status, 200, `${what}: public`)
      t.equal(
        res.headers['x-ratelimit-limit'],
        isSensitive ? AUTH_MAX : LOOSE_MAX,
        `${what}: the route's own limit`,
      )
      const query = spelling.includes('?') ? spelling.slice(spelling.indexOf('?')) : ''
      t.equal(up.seen.at(-1)?.url, rule.path + query, `${what}: the upstream sees the canonical path`)
    }
  }
})

t.test('no spelling makes a protected route public', async (t) => {
  const s = await system(t)
  const protectedPaths = [
    '/api/auth/me',
    '/api/auth/logout',
    '/api/jobs/1/applications',
    '/api/wallet/payouts',
  ]
  const disguises = (p: string): string[] => {
    const [, api = '', prefix = '', ...rest] = p.split('/')
    return [
      ...spellings(p)
        .filter(([, o]) => o === 'same')
        .map(([sp]) => sp),
      // A public path as the raw prefix, resolving to a protected one.
      ...(prefix === 'auth'
        ? [`/api/auth/login/../${rest.join('/')}`, `/api/auth/refresh/../${rest.join('/')}`]
        : []),
      ...(prefix === 'auth' ? [`/api/auth/.well-known/jwks.json/../../${rest.join('/')}`] : []),
      ...(prefix === 'wallet' ? [`/api/webhooks/stripe/../../wallet/${rest.join('/')}`] : []),
      `/${api}/${prefix}/${rest.join('/').toUpperCase()}`,
    ]
  }
  for (const p of protectedPaths) {
    for (const spelling of disguises(p)) {
      for (const method of ['GET', 'POST']) {
        const before = s.seen()
        const res = await rawRequest(s.port, method, spelling, {}, method === 'POST' ? '{}' : '')
        t.ok(
          res.status === 401 || res.status === 400,
          `${method} ${spelling}: ${res.status} (401 needs a token, or 400 refused)`,
        )
        t.equal(s.seen(), before, `${method} ${spelling}: no upstream called`)
      }
    }
  }
  // A spelling that reaches a protected route with a token is proxied as the canonical path.
  const res = await rawRequest(s.port, 'GET', '/api/auth/login/../me/', bearer(s.gw.kit.sign({ sub: 'u' })))
  t.equal(res.status, 200)
  t.equal(res.headers['x-ratelimit-limit'], LOOSE_MAX, 'a protected route is under the per-user limit')
  t.equal(s.authUp.seen.at(-1)?.url, '/api/auth/me')
})

t.test('letter case is significant, as in the services: /API/… is not routed', async (t) => {
  const s = await system(t)
  const before = s.seen()
  const res = await rawRequest(s.port, 'POST', '/API/auth/login', {}, '{}')
  t.equal(res.status, 404)
  t.notOk(res.headers['x-ratelimit-limit'])
  t.equal(s.seen(), before)
})
