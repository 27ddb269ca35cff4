/**
 * At the edge too, every refusal is problem+json — those of Node's parser (oversized URI or
 * headers, bytes that are not HTTP), of the router (bad percent-encoding) and of Node itself
 * (`Expect`), before authentication, rate limiting or the proxy see the request; and the upstream
 * is never asked. Raw sockets: `inject()` bypasses Node's parser.
 */
import { connect } from 'node:net'
import t, { type Test } from 'tap'
import { bearer, startGateway, startUpstream } from './helpers.js'

interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

function send(port: number, request: string): Promise<RawResponse> {
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
      const headers: Record<string, string> = {}
      for (const line of lines) {
        const i = line.indexOf(':')
        headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim()
      }
      const length = Number(headers['content-length'] ?? text.length)
      resolve({
        status: Number(statusLine.split(' ')[1]),
        headers,
        body: text.slice(end + 4, end + 4 + length),
      })
    })
    socket.write(request, 'latin1')
  })
}

function assertProblem(t: Test, res: RawResponse, status: number, code: string, what: string): void {
  t.equal(res.status, status, `${what}: ${status}`)
  t.match(res.headers['content-type'], /^application\/problem\+json/, `${what}: problem+json`)
  t.match(JSON.parse(res.body), { status, code, requestId: String }, `${what}: ${code}`)
}

t.test('the gateway answers every pre-routing refusal with problem+json', async (t) => {
  const jobs = await startUpstream(t, ['/api/jobs'])
  const gw = await startGateway(t, { JOB_SERVICE_URL: jobs.url })
  await gw.app.listen({ port: 0, host: '127.0.0.1' })
  const port = (gw.app.server.address() as { port: number }).port
  const auth = `authorization: ${bearer(gw.kit.sign({ sub: 'user-1' })).authorization}\r\n`
  const get = (target: string, extra = '') =>
    `GET ${target} HTTP/1.1\r\nhost: gateway.test\r\n${auth}${extra}connection: close\r\n\r\n`

  assertProblem(
    t,
    await send(port, get(`/api/jobs/${'a'.repeat(20_000)}`)),
    414,
    'KIT_ERR_URI_TOO_LONG',
    '20 KB URI',
  )
  assertProblem(
    t,
    await send(port, get(`/api/jobs?q=${'q'.repeat(9_000)}`)),
    414,
    'KIT_ERR_URI_TOO_LONG',
    '9 KB URI',
  )
  assertProblem(
    t,
    await send(port, get('/api/jobs', `x-big: ${'b'.repeat(20_000)}\r\n`)),
    431,
    'KIT_ERR_HEADERS_TOO_LARGE',
    '20 KB header',
  )
  assertProblem(t, await send(port, get('/api/jobs/%zz')), 400, 'KIT_ERR_BAD_URL', 'bad escape')
  assertProblem(t, await send(port, 'NOT HTTP AT ALL\r\n\r\n'), 400, 'KIT_ERR_MALFORMED_REQUEST', 'garbage')
  assertProblem(
    t,
    await send(port, 'GET /api/jobs HTTP/1.1\r\nconnection: close\r\n\r\n'),
    400,
    'KIT_ERR_MALFORMED_REQUEST',
    'no Host',
  )
  assertProblem(
    t,
    await send(port, get('/api/jobs', 'expect: tea\r\n')),
    417,
    'KIT_ERR_EXPECTATION_FAILED',
    'Expect',
  )
  assertProblem(t, await send(port, get('/nowhere')), 404, 'KIT_ERR_ROUTE_NOT_FOUND', 'no route')
  t.equal(jobs.seen.length, 0, 'none of them reached the upstream')

  const ok = await send(port, get(`/api/jobs/${'a'.repeat(200)}`))
  t.equal(ok.status, 200, 'a long (200-char) segment is still proxied: the service’s schema decides')
  t.equal(jobs.seen.length, 1)
})
