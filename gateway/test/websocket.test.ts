import t, { type Test } from 'tap'
import type { IncomingMessage } from 'node:http'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { bearer, startGateway } from './helpers.js'

/** A `ws` echo server on port 0 that records each upgrade request. */
async function echoServer(t: Test) {
  const upgrades: IncomingMessage[] = []
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()))
  wss.on('connection', (socket, request) => {
    upgrades.push(request)
    socket.on('message', (data, binary) => socket.send(binary ? data : `echo:${text(data)}`))
  })
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate()
        wss.close(() => resolve())
      }),
  )
  const { port } = wss.address() as { port: number }
  return { url: `http://127.0.0.1:${port}`, upgrades }
}

/** Open a WebSocket and resolve once open, or reject with the HTTP status of a refused upgrade. */
function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) =>
      reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode })),
    )
    ws.once('error', reject)
  })
}

/** A `ws` message as text (a Buffer by default; chunks or an ArrayBuffer with other `binaryType`s). */
function text(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString()
  return (data instanceof ArrayBuffer ? Buffer.from(data) : data).toString()
}

function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(text(data))))
}

t.test('WebSocket /ws', async (t) => {
  const echo = await echoServer(t)
  const gw = await startGateway(t, { MESSAGING_SERVICE_URL: echo.url })
  const base = (await gw.app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws')

  t.test('passes an upgrade with a bearer token through, with the token and request id', async (t) => {
    const token = gw.kit.sign({ sub: 'ws-user' })
    const ws = await connect(`${base}/ws`, { ...bearer(token), 'x-request-id': 'ws-req-1' })
    t.teardown(() => ws.close())
    const reply = nextMessage(ws)
    ws.send('hello')
    t.equal(await reply, 'echo:hello')
    const upgrade = echo.upgrades.at(-1)!
    t.equal(upgrade.url, '/ws', 'the full path reaches the upstream')
    t.equal(upgrade.headers.authorization, `Bearer ${token}`)
    t.equal(upgrade.headers['x-request-id'], 'ws-req-1')
  })

  t.test('passes an upgrade with ?token= through, query intact for the service to verify', async (t) => {
    const token = gw.kit.sign({ sub: 'ws-user-2' })
    const ws = await connect(`${base}/ws?token=${token}`)
    t.teardown(() => ws.close())
    const reply = nextMessage(ws)
    ws.send('again')
    t.equal(await reply, 'echo:again')
    t.equal(echo.upgrades.at(-1)!.url, `/ws?token=${token}`)
  })

  t.test('refuses an upgrade without a token with 401, never reaching the upstream', async (t) => {
    const before = echo.upgrades.length
    const status = (p: Promise<WebSocket>) =>
      p.then(
        (ws) => (ws.close(), 101),
        (err: { statusCode?: number }) => err.statusCode,
      )
    t.equal(await status(connect(`${base}/ws`)), 401)
    t.equal(await status(connect(`${base}/ws?token=${gw.kit.expired()}`)), 401, 'an expired token too')
    t.equal(echo.upgrades.length, before)
  })
})
