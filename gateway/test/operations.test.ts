import t from 'tap'
import { ConfigError, startMetricsServer } from '@kelmah/service-kit'
import { loadGatewayConfig } from '../src/config.js'
import { uploadMatcher } from '../src/routes.js'
import { bearer, startGateway, startUpstream } from './helpers.js'

/** The trace id of a W3C traceparent (`00-<trace id>-<parent id>-<flags>`). */
const traceIdOf = (traceparent: string) => traceparent.split('-')[1]

t.test('in production the gateway refuses to start on the localhost CORS default', async (t) => {
  t.throws(() => loadGatewayConfig({ NODE_ENV: 'production' }), ConfigError)
  t.throws(() => loadGatewayConfig({ NODE_ENV: 'production' }), /CORS_ORIGINS: is required in production/)
  t.equal(
    loadGatewayConfig({ NODE_ENV: 'production', CORS_ORIGINS: 'https://app.kelmah.example.com' })
      .CORS_ORIGINS,
    'https://app.kelmah.example.com',
  )
  t.equal(
    loadGatewayConfig({ NODE_ENV: 'production', CORS_ORIGINS: '' }).CORS_ORIGINS,
    '',
    'no browser origin is a choice',
  )
  t.match(loadGatewayConfig({}).CORS_ORIGINS, /localhost/, 'a developer machine keeps the default')
})

t.test('upload rules match their route pattern, one segment per parameter', async (t) => {
  const isUpload = uploadMatcher([{ method: 'POST', path: '/api/chat/conversations/:id/attachments' }])
  t.ok(isUpload('POST', '/api/chat/conversations/65a1/attachments'))
  t.notOk(isUpload('GET', '/api/chat/conversations/65a1/attachments'))
  t.notOk(isUpload('POST', '/api/chat/conversations//attachments'))
  t.notOk(isUpload('POST', '/api/chat/conversations/a/b/attachments'))
  t.notOk(isUpload('POST', '/api/chat/conversations/65a1/messages'))
  t.notOk(uploadMatcher([])('POST', '/api/chat/conversations/1/attachments'))
})

t.test('attachment uploads may be larger than other bodies, up to UPLOAD_BODY_LIMIT_BYTES', async (t) => {
  const up = await startUpstream(t, ['/api/chat'])
  const gw = await startGateway(t, {
    MESSAGING_SERVICE_URL: up.url,
    BODY_LIMIT_BYTES: '1000',
    UPLOAD_BODY_LIMIT_BYTES: '5000',
  })
  const headers = { ...bearer(gw.kit.sign()), 'content-type': 'image/png' }
  const post = (url: string, bytes: number) =>
    gw.app.inject({ method: 'POST', url, headers, payload: Buffer.alloc(bytes, 1) })
  const upload = '/api/chat/conversations/65a1b2c3d4e5f60718293a4b/attachments'
  const ok = await post(upload, 3000)
  t.equal(ok.statusCode, 200, 'a 3000-byte upload passes')
  t.equal((up.seen.at(-1)?.body as Buffer).length, 3000, 'whole, to the service')
  const big = await post(upload, 6000)
  t.equal(big.statusCode, 413)
  t.match(big.json(), { code: 'GATEWAY_ERR_BODY_TOO_LARGE', detail: /5000/ })
  const other = await post('/api/chat/conversations/65a1b2c3d4e5f60718293a4b/messages', 3000)
  t.equal(other.statusCode, 413, 'other routes keep BODY_LIMIT_BYTES')
  t.match(other.json(), { detail: /1000/ })
})

t.test(
  'the gateway counts proxied requests by prefix and rate-limit refusals, on its metrics port only',
  async (t) => {
    const up = await startUpstream(t, ['/api/jobs'])
    const gw = await startGateway(t, { JOB_SERVICE_URL: up.url, RATE_LIMIT_MAX: '2' })
    const token = bearer(gw.kit.sign())
    const codes: number[] = []
    for (const id of [1, 2, 3])
      codes.push((await gw.app.inject({ url: `/api/jobs/${id}`, headers: token })).statusCode)
    t.same(codes, [200, 200, 429])
    t.equal((await gw.app.inject({ url: '/metrics' })).statusCode, 404, 'not on the public port, not proxied')

    const served = await startMetricsServer(gw.app, { port: 0, host: '127.0.0.1' })
    const text = await (await fetch(`${served.url}/metrics`)).text()
    t.match(
      text,
      /^http_request_duration_seconds_count\{app="gateway",method="GET",route="\/api\/jobs\/\*",status_code="200"\} 2$/m,
    )
    t.match(
      text,
      /^http_request_duration_seconds_count\{app="gateway",method="GET",route="\/api\/jobs\/\*",status_code="429"\} 1$/m,
    )
    t.match(text, /^kelmah_gateway_rate_limited_total\{limit="api",app="gateway"\} 1$/m)
    t.match(text, /^kelmah_dependency_up\{dependency="redis",app="gateway"\} 1$/m)
  },
)

t.test(
  "the gateway continues the caller's trace, or starts one, and hands its own span upstream",
  async (t) => {
    const up = await startUpstream(t, ['/api/jobs'])
    const gw = await startGateway(t, { JOB_SERVICE_URL: up.url })
    const token = bearer(gw.kit.sign())
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
    await gw.app.inject({ url: '/api/jobs/1', headers: { ...token, traceparent: incoming } })
    const forwarded = String(up.seen.at(-1)?.headers.traceparent)
    t.equal(traceIdOf(forwarded), '0af7651916cd43dd8448eb211c80319c', 'same trace upstream')
    t.not(forwarded, incoming, "the gateway's span as the parent")
    await gw.app.inject({ url: '/api/jobs/2', headers: token })
    const started = String(up.seen.at(-1)?.headers.traceparent)
    t.match(started, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/, 'no traceparent from the client: a new trace')
    t.not(traceIdOf(started), '0af7651916cd43dd8448eb211c80319c')
  },
)
