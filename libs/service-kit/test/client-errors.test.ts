/**
 * Every error the process can emit is problem+json — also those that never reach a route: Node's
 * parser refusals (431, 414, 400), the router's (bad percent-encoding, oversized segments), Node's
 * own 417 and missing-Host 400, the 503 while shutting down. Raw sockets, so the bytes on the wire
 * are what is checked (inject() bypasses Node's parser).
 */
import net from 'node:net'
import { Id } from '@kelmah/contracts'
import t, { type Test } from 'tap'
import Type from 'typebox'
import {
  clientErrorProblem,
  MAX_HEADER_BYTES,
  MAX_URL_BYTES,
  rawProblemResponse,
} from '../src/client-errors.js'
import { buildService, type KelmahApp } from '../src/index.js'

interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
  /** Everything the server sent before closing. */
  wire: string
}

/** Write `request` on a fresh connection and read until the server closes (or `timeoutMs`). */
function send(port: number, request: string | Buffer, timeoutMs = 5_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    const timer = setTimeout(() => socket.destroy(), timeoutMs)
    socket.on('data', (c) => chunks.push(c))
    socket.on('error', () => undefined) // a reset after the answer is fine; the answer is checked
    socket.on('close', () => {
      clearTimeout(timer)
      const wire = Buffer.concat(chunks).toString('latin1')
      const end = wire.indexOf('\r\n\r\n')
      if (end === -1) return reject(new Error(`no HTTP response: ${JSON.stringify(wire.slice(0, 200))}`))
      const [statusLine, ...lines] = wire.slice(0, end).split('\r\n')
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      )
      const length = Number(headers['content-length'] ?? wire.length)
      resolve({
        status: Number(statusLine!.split(' ')[1]),
        headers,
        body: wire.slice(end + 4, end + 4 + length),
        wire,
      })
    })
    socket.write(request)
  })
}

async function started(
  t: Test,
  opts: { preClose?: () => Promise<unknown> } = {},
): Promise<{ app: KelmahApp; port: number }> {
  const app = await buildService({ name: 'kit-test', logLevel: false, bodyLimit: 1024 })
  if (opts.preClose) app.addHook('preClose', opts.preClose)
  app.get('/things/:id', { schema: { params: Type.Object({ id: Id }) } }, async (req) => ({
    id: req.params.id,
  }))
  app.post('/things', { schema: { body: Type.Object({ name: Type.String() }) } }, async () => ({ ok: 1 }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => (opts.preClose ? undefined : app.close()))
  return { app, port: (app.server.address() as net.AddressInfo).port }
}

function assertProblem(t: Test, res: RawResponse, status: number, code: string): void {
  t.equal(res.status, status, `status ${status}`)
  t.match(res.headers['content-type'], /^application\/problem\+json/, 'problem+json')
  const body = JSON.parse(res.body) as Record<string, unknown>
  t.match(body, { status, code, title: String })
  t.type(body.requestId, 'string', 'a request id to quote')
}

const GET = (path: string, extra = '') =>
  `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}Connection: close\r\n\r\n`

t.test('Node parser refusals', async (t) => {
  const { port } = await started(t)

  t.test('a URI longer than the header limit is 414, not Fastify’s JSON 431', async (t) => {
    const res = await send(port, GET(`/things/${'a'.repeat(MAX_HEADER_BYTES + 100)}`))
    assertProblem(t, res, 414, 'KIT_ERR_URI_TOO_LONG')
  })

  t.test('headers over the limit are 431 problem+json', async (t) => {
    const res = await send(port, GET('/things/a', `X-Big: ${'b'.repeat(MAX_HEADER_BYTES + 100)}\r\n`))
    assertProblem(t, res, 431, 'KIT_ERR_HEADERS_TOO_LARGE')
  })

  t.test('bytes that are not HTTP are 400 naming the parser’s reason', async (t) => {
    const res = await send(port, 'HELLO THERE\r\n\r\n')
    assertProblem(t, res, 400, 'KIT_ERR_MALFORMED_REQUEST')
    t.match(JSON.parse(res.body).detail, /HPE_/)
  })

  t.test('Content-Length and Transfer-Encoding together are 400 problem+json', async (t) => {
    const res = await send(
      port,
      'POST /things HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    )
    assertProblem(t, res, 400, 'KIT_ERR_MALFORMED_REQUEST')
  })

  t.test('HTTP/1.1 without Host is 400 problem+json, not Node’s empty 400', async (t) => {
    const res = await send(port, 'GET /things/a HTTP/1.1\r\nConnection: close\r\n\r\n')
    assertProblem(t, res, 400, 'KIT_ERR_MALFORMED_REQUEST')
  })

  t.test('an Expect other than 100-continue is 417 problem+json, not Node’s empty 417', async (t) => {
    const res = await send(port, GET('/things/a', 'Expect: teapot\r\n'))
    assertProblem(t, res, 417, 'KIT_ERR_EXPECTATION_FAILED')
  })
})

t.test('router refusals', async (t) => {
  const { port } = await started(t)

  t.test('a URI between the URL limit and the header limit is 414 problem+json', async (t) => {
    const res = await send(port, GET(`/things/a?q=${'q'.repeat(MAX_URL_BYTES)}`))
    assertProblem(t, res, 414, 'KIT_ERR_URI_TOO_LONG')
  })

  t.test('an id over Fastify’s old 100-char param limit reaches the schema: 400 naming it', async (t) => {
    const res = await send(port, GET(`/things/${'a'.repeat(101)}`))
    assertProblem(t, res, 400, 'KIT_ERR_VALIDATION')
    t.match(JSON.parse(res.body).errors, [{ field: 'id', in: 'params' }])
  })

  t.test('a 64-char id is accepted, 65 refused — the events’ limit', async (t) => {
    t.equal((await send(port, GET(`/things/${'a'.repeat(64)}`))).status, 200)
    assertProblem(t, await send(port, GET(`/things/${'a'.repeat(65)}`)), 400, 'KIT_ERR_VALIDATION')
  })

  t.test('bad percent-encoding is 400 problem+json, not FST_ERR_BAD_URL JSON', async (t) => {
    const res = await send(port, GET('/things/%zz'))
    assertProblem(t, res, 400, 'KIT_ERR_BAD_URL')
  })

  t.test('unknown routes and methods are 404 problem+json', async (t) => {
    assertProblem(t, await send(port, GET('/nope')), 404, 'KIT_ERR_ROUTE_NOT_FOUND')
    assertProblem(
      t,
      await send(port, 'PROPFIND /things/a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      404,
      'KIT_ERR_ROUTE_NOT_FOUND',
    )
  })
})

t.test('body refusals are problem+json', async (t) => {
  const { port } = await started(t)
  const post = (type: string, body: string) =>
    send(
      port,
      `POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
  assertProblem(t, await post('application/json', '{"name":'), 400, 'FST_ERR_CTP_INVALID_JSON_BODY')
  assertProblem(t, await post('text/xml', '<a/>'), 415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
  assertProblem(
    t,
    await post('application/json', `{"name":"${'n'.repeat(2000)}"}`),
    413,
    'FST_ERR_CTP_BODY_TOO_LARGE',
  )
  assertProblem(
    t,
    await post('application/json', '{"__proto__":{"x":1}}'),
    400,
    'FST_ERR_CTP_INVALID_JSON_BODY',
  )
})

t.test('a request arriving while shutting down is 503 problem+json with Retry-After', async (t) => {
  const { app, port } = await started(t, {
    // A drain pause (as before a load balancer notices): idle keep-alive connections stay open
    // during preClose hooks, so a request can still arrive on one.
    preClose: () => new Promise((r) => setTimeout(r, 300)),
  })
  const socket = net.connect(port, '127.0.0.1')
  const chunks: Buffer[] = []
  socket.on('data', (c) => chunks.push(c))
  const ended = new Promise((r) => socket.on('close', r))
  socket.write('GET /things/a HTTP/1.1\r\nHost: x\r\n\r\n')
  await new Promise((r) => setTimeout(r, 100))
  const closed = app.close()
  await new Promise((r) => setTimeout(r, 50))
  socket.write(GET('/things/b'))
  await ended
  await closed
  const wire = Buffer.concat(chunks).toString('latin1')
  t.match(wire, /^HTTP\/1\.1 200 /, 'the first request was answered')
  const second = wire.slice(wire.indexOf('HTTP/1.1', 1))
  t.match(second, /^HTTP\/1\.1 503 /, 'the second one is refused')
  t.match(second, /content-type: application\/problem\+json/i)
  t.match(second, /retry-after: 1/i)
  t.match(second, /"code":"KIT_ERR_SHUTTING_DOWN"/)
})

t.test('the raw answers are well-formed HTTP with problem bodies', async (t) => {
  t.match(clientErrorProblem({ name: 'Error', message: '', code: 'ERR_HTTP_REQUEST_TIMEOUT' }), {
    status: 408,
    code: 'KIT_ERR_REQUEST_TIMEOUT',
  })
  const line = Buffer.from(`GET /${'a'.repeat(MAX_URL_BYTES + 1)}`)
  t.match(clientErrorProblem({ name: 'Error', message: '', code: 'HPE_HEADER_OVERFLOW', rawPacket: line }), {
    status: 414,
  })
  const raw = rawProblemResponse({ ...clientErrorProblem({ name: 'Error', message: '' }), requestId: 'r-1' })
  const [head, body] = raw.split('\r\n\r\n') as [string, string]
  t.match(head, /^HTTP\/1\.1 400 Bad Request\r\n/)
  t.match(head, new RegExp(`Content-Length: ${Buffer.byteLength(body)}`))
  t.match(JSON.parse(body), { status: 400, code: 'KIT_ERR_MALFORMED_REQUEST', requestId: 'r-1' })
})
