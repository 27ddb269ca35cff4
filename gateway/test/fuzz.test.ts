/**
 * The gateway fuzzed over a real socket (so Node's parser, the router, edge authentication, the
 * rate limits and the proxy all take part; `inject()` would skip the parser): no answer is a
 * 5xx, every error is problem+json with a matching `status` (issue 14, item 3).
 *
 * 1. Its own documented routes (its `/openapi.json`, today `GET /health`) with `fuzzOpenApi`
 *    (libs/testing/src/fuzz.ts) — valid, expired, tampered, foreign and garbage tokens mixed in.
 * 2. The edge: a document of the paths the gateway must refuse or pass on — the health probes and
 *    the docs' files, unknown paths, every routed prefix, the admin-only paths, public and
 *    throttled ones — with the headers a client controls (`traceparent`, `x-request-id`,
 *    `x-forwarded-for`, `origin`), fuzzed the same way.
 *    Every service is routed to one echo upstream (helpers.ts), so a request that passes the edge
 *    is a 200 from it.
 * 3. Sizes at and around Node's limits (URIs, one big header, many headers) and bytes that are
 *    not HTTP, sent raw.
 *
 * Replay with `FUZZ_SEED=<seed>`, dig deeper with `FUZZ_RUNS=<n>` (per operation).
 */
import { brokenRule, fuzzOpenApi, tokenKit, type FuzzTarget } from '@kelmah/testing'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import t, { type Test } from 'tap'
import { ROUTES } from '../src/routes.js'
import { startGateway, startUpstream, type TestGateway } from './helpers.js'

/** Every service routed to `url`, as the gateway's configuration names them. */
function everyServiceAt(url: string): Record<string, string> {
  return Object.fromEntries(
    ['AUTH', 'USER', 'JOB', 'MESSAGING', 'PAYMENT', 'REVIEW'].map((s) => [`${s}_SERVICE_URL`, url]),
  )
}

/** A fuzz target that sends each request over HTTP to `port`; `spec` answers `specUrl` locally. */
function overHttp(port: number, local: Record<string, unknown> = {}): FuzzTarget {
  return {
    inject: (o) => {
      if (o.url in local) {
        return Promise.resolve({ statusCode: 200, headers: {}, body: JSON.stringify(local[o.url]) })
      }
      return new Promise((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port, method: o.method, path: o.url, headers: o.headers ?? {} },
          (res) => {
            const chunks: Buffer[] = []
            res.on('data', (c: Buffer) => chunks.push(c))
            res.on('end', () =>
              resolve({
                statusCode: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(chunks).toString('utf8'),
              }),
            )
            res.on('error', reject)
          },
        )
        req.on('error', reject)
        req.end(o.payload)
      })
    },
  }
}

/** The tokens a client may present: valid ones of each role and every kind the edge refuses. */
function tokensOf(gw: TestGateway): Record<string, string> {
  return {
    hirer: gw.kit.sign({ sub: 'fuzz-hirer', role: 'hirer' }),
    worker: gw.kit.sign({ sub: 'fuzz-worker', role: 'worker' }),
    admin: gw.kit.sign({ sub: 'fuzz-admin', role: 'admin' }),
    expired: gw.kit.expired(),
    tampered: gw.kit.tampered(),
    algNone: gw.kit.algNone(),
    foreign: tokenKit({ kid: gw.kit.kid }).sign(),
    audience: gw.kit.sign({}, { audience: 'someone-else' }),
    garbage: 'not.a.token',
  }
}

/** An echo upstream behind every prefix of the route table and a gateway listening on port 0. */
async function listening(t: Test) {
  const up = await startUpstream(t, [...new Set(ROUTES.flatMap((r) => r.prefixes))])
  const gw = await startGateway(t, { ...everyServiceAt(up.url), RATE_LIMIT_MAX: '100000' })
  await gw.app.listen({ port: 0, host: '127.0.0.1' })
  return { gw, up, port: (gw.app.server.address() as { port: number }).port }
}

function summary(r: Awaited<ReturnType<typeof fuzzOpenApi>>): string {
  return (
    `fuzz seed=${r.seed} runs=${r.numRuns}/operation: ${r.operations.length} operations, ` +
    `${r.requests} requests ${JSON.stringify(r.statuses)} in ${r.ms} ms`
  )
}

t.test("the gateway's own documented routes: no 5xx, every error problem+json", async (t) => {
  const { gw, port } = await listening(t)
  const report = await fuzzOpenApi(overHttp(port), { tokens: tokensOf(gw) })
  t.comment(summary(report))
  t.ok(report.operations.includes('GET /health'), 'the health route is documented and fuzzed')
  t.same(report.failures, [], 'every answer below 500, every error problem+json')
})

/** Edge operations: `path` templates (OpenAPI `{param}`) under every method, with client headers. */
function edgeSpec(): Record<string, unknown> {
  const segment = { type: 'string', maxLength: 300 }
  const objectId = { type: 'string', pattern: '^[0-9a-f]{24}$' }
  const headers = [
    {
      in: 'header',
      name: 'traceparent',
      schema: { type: 'string', pattern: '^00-[0-9a-f]{32}-[0-9a-f]{16}-01$' },
    },
    { in: 'header', name: 'x-request-id', schema: { type: 'string', maxLength: 200 } },
    { in: 'header', name: 'x-forwarded-for', schema: { type: 'string', maxLength: 100 } },
    { in: 'header', name: 'origin', schema: { type: 'string', format: 'uri' } },
  ]
  const query = [{ in: 'query', name: 'q', schema: segment }]
  const templates: Record<string, Record<string, unknown>[]> = {
    // The gateway's own: health probes, the combined docs and Swagger UI's files.
    '/health/{probe}': [{ in: 'path', name: 'probe', schema: segment }],
    '/docs/{asset}': [{ in: 'path', name: 'asset', schema: segment }],
    // Unknown to the route table: 404 at the edge, whatever the token.
    '/{anything}': [{ in: 'path', name: 'anything', schema: segment }],
    '/api/{service}/{rest}': [
      { in: 'path', name: 'service', schema: segment },
      { in: 'path', name: 'rest', schema: segment },
    ],
    // Routed prefixes: a valid token passes (the echo upstream answers), anything else is 401.
    '/api/jobs/{id}': [{ in: 'path', name: 'id', schema: objectId }],
    '/api/chat/conversations/{id}/attachments': [{ in: 'path', name: 'id', schema: objectId }],
    '/api/wallet/{rest}': [{ in: 'path', name: 'rest', schema: segment }],
    // Admins only at the edge (routes.ts, edge-auth): 403 for other roles.
    '/api/payments/admin/{rest}': [{ in: 'path', name: 'rest', schema: segment }],
    '/api/reviews/admin/audit': [],
    '/api/reviews/reports/{id}/resolve': [{ in: 'path', name: 'id', schema: objectId }],
    '/api/payments/disputes/{id}/resolve': [{ in: 'path', name: 'id', schema: objectId }],
    // Public (no token needed) and under the tighter per-IP limit: 429s are answers too.
    '/api/auth/login': [],
    '/api/webhooks/stripe': [],
  }
  const body = {
    required: false,
    content: {
      'application/json': {
        schema: {
          type: 'object',
          properties: { email: { type: 'string', format: 'email' }, reason: segment },
        },
      },
    },
  }
  const paths: Record<string, Record<string, unknown>> = {}
  for (const [template, params] of Object.entries(templates)) {
    const parameters = [...params, ...headers, ...query]
    paths[template] = {
      get: { parameters },
      delete: { parameters },
      post: { parameters, requestBody: body },
      put: { parameters, requestBody: body },
      patch: { parameters, requestBody: body },
    }
  }
  return { openapi: '3.1.0', info: { title: 'gateway edge (fuzz only)', version: '0' }, paths }
}

t.test('the edge: unknown paths, every prefix, admin paths, bad tokens — no 5xx, problem+json', async (t) => {
  const { gw, up, port } = await listening(t)
  const report = await fuzzOpenApi(overHttp(port, { '/edge-openapi.json': edgeSpec() }), {
    tokens: tokensOf(gw),
    specUrl: '/edge-openapi.json',
    // 65 operations: 6 requests each unless FUZZ_RUNS asks for more (the suite's time budget).
    ...(process.env.FUZZ_RUNS ? {} : { numRuns: 6 }),
  })
  t.comment(summary(report))
  t.equal(report.operations.length, 65, 'thirteen path templates under five methods')
  t.ok((report.statuses['2xx'] ?? 0) > 0, 'some requests pass the edge')
  t.ok((report.statuses['4xx'] ?? 0) > 0, 'some are refused')
  t.same(report.failures, [], 'every answer below 500, every error problem+json')
  const roleOf = (authorization: string | undefined): unknown => {
    const payload = (authorization ?? '').split('.')[1] ?? ''
    return (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { role?: unknown }).role
  }
  const adminPaths = up.seen.filter((s) => /^\/api\/(payments|reviews)\/admin\//.test(s.url))
  t.same(
    adminPaths.filter((s) => roleOf(s.headers.authorization) !== 'admin'),
    [],
    'only admin tokens reached an admin path upstream',
  )
})

interface RawResponse {
  status: number
  contentType: string
  body: string
}

/** Send `bytes` on a fresh connection to `port`; the first response as read until the close. */
function raw(port: number, bytes: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('error', () => undefined)
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      const end = text.indexOf('\r\n\r\n')
      if (end === -1) return reject(new Error(`no HTTP response: ${JSON.stringify(text.slice(0, 200))}`))
      const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n')
      const header = (name: string) =>
        lines
          .find((l) => l.toLowerCase().startsWith(`${name}:`))
          ?.slice(name.length + 1)
          .trim() ?? ''
      const length = Number(header('content-length') || text.length)
      resolve({
        status: Number(statusLine.split(' ')[1]),
        contentType: header('content-type'),
        body: text.slice(end + 4, end + 4 + length),
      })
    })
    socket.write(bytes, 'latin1')
  })
}

t.test('sizes around the limits and bytes that are not HTTP, raw: no 5xx, problem+json', async (t) => {
  const { gw, port } = await listening(t)
  const auth = `authorization: Bearer ${tokensOf(gw).hirer}\r\n`
  const get = (target: string, extra = '') =>
    `GET ${target} HTTP/1.1\r\nhost: gateway.test\r\n${auth}${extra}connection: close\r\n\r\n`
  const cases: [string, string][] = []
  for (const n of [1_000, 4_000, 8_000, 8_200, 16_000, 64_000]) {
    cases.push([`a ${n}-byte path`, get(`/api/jobs/${'a'.repeat(n)}`)])
    cases.push([`a ${n}-byte query`, get(`/api/jobs?q=${'q'.repeat(n)}`)])
    cases.push([`a ${n}-byte path under no prefix`, get(`/${'z'.repeat(n)}`)])
  }
  for (const n of [1_000, 8_000, 15_000, 16_500, 40_000]) {
    cases.push([`one ${n}-byte header`, get('/api/jobs', `x-big: ${'b'.repeat(n)}\r\n`)])
    cases.push([`a ${n}-byte token`, get('/api/jobs', `authorization: Bearer ${'t'.repeat(n)}\r\n`)])
  }
  for (const count of [50, 200, 2_000]) {
    const many = Array.from({ length: count }, (_, i) => `x-h${i}: ${'v'.repeat(40)}\r\n`).join('')
    cases.push([`${count} headers`, get('/api/jobs', many)])
  }
  cases.push(['not HTTP at all', 'hello there\r\n\r\n'])
  cases.push(['a binary request line', '\x00\x01\x02\xff GET / HTTP/1.1\r\n\r\n'])
  cases.push(['an unknown method', 'BREW /api/jobs HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'])
  cases.push(['HTTP/0.9-ish', 'GET /\r\n\r\n'])
  cases.push(['a bad escape', get('/api/jobs/%zz%')])
  cases.push(['a NUL in the path', get('/api/jobs/%00')])
  cases.push(['an absolute-form target', get('http://evil.test/api/jobs')])
  cases.push(['a header without a colon', get('/api/jobs', 'broken header\r\n')])
  cases.push([
    'a conflicting length',
    get('/api/jobs', 'content-length: 5\r\ntransfer-encoding: chunked\r\n'),
  ])
  cases.push(['a bad Expect', get('/api/jobs', 'expect: 200-ok\r\n')])

  const statuses: Record<string, number> = {}
  for (const [what, bytes] of cases) {
    let res: RawResponse
    try {
      res = await raw(port, bytes)
    } catch (err) {
      t.fail(`${what}: ${(err as Error).message}`)
      continue
    }
    statuses[`${Math.floor(res.status / 100)}xx`] = (statuses[`${Math.floor(res.status / 100)}xx`] ?? 0) + 1
    const broken = brokenRule({
      statusCode: res.status,
      headers: { 'content-type': res.contentType },
      body: res.body,
    })
    t.equal(broken, undefined, `${what}: ${res.status} ${res.contentType}`)
  }
  t.comment(`${cases.length} raw requests ${JSON.stringify(statuses)}`)
})
