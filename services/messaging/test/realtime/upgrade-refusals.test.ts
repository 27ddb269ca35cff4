/**
 * A refused WebSocket upgrade answers like every other error of the service: an
 * `application/problem+json` body saying why (read here the way a browser-side `ws` client sees
 * it, from its 'unexpected-response' event).
 */
import t from 'tap'
import { WebSocket } from 'ws'
import { startCluster } from '../fixtures/app.js'

/** Open `url`; resolves with the refusal's status, headers and parsed body (rejects when it opens). */
function refusal(
  url: string,
  headers: Record<string, string> = {},
): Promise<{
  status: number
  type: string | undefined
  requestId: string | undefined
  body: Record<string, unknown>
}> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    ws.once('open', () => {
      ws.terminate()
      reject(new Error('the upgrade was accepted'))
    })
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        ws.terminate()
        try {
          resolve({
            status: res.statusCode ?? 0,
            type: res.headers['content-type'],
            requestId: res.headers['x-request-id'] as string | undefined,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
          })
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)))
        }
      })
    })
    ws.once('error', reject)
  })
}

t.test('refused upgrades of /ws', async (t) => {
  const c = await startCluster(t)
  const ws = c.instances[0]!.wsUrl

  t.test('a missing, expired, tampered or unsigned token: 401 problem+json saying which', async (t) => {
    const cases = [
      { url: ws, detail: /send an access token/ },
      { url: `${ws}?token=${c.kit.expired()}`, detail: /expired/ },
      { url: `${ws}?token=${c.kit.tampered()}`, detail: /invalid/ },
      { url: `${ws}?token=${c.kit.algNone()}`, detail: /invalid/ },
      { url: `${ws}?token=not-a-jwt`, detail: /invalid/ },
    ]
    for (const { url, detail } of cases) {
      const r = await refusal(url)
      t.equal(r.status, 401)
      t.equal(r.type, 'application/problem+json')
      t.match(r.body, {
        status: 401,
        code: 'KIT_ERR_UNAUTHORIZED',
        title: 'Unauthorized',
        detail,
        instance: '/ws',
      })
      t.equal(r.body.requestId, r.requestId, 'the body and the header carry one request id')
    }
    const bearerless = await refusal(ws, { authorization: 'Basic dXNlcjpwYXNz' })
    t.equal(bearerless.status, 401, 'a non-bearer authorization header')
    t.match(bearerless.body, { code: 'KIT_ERR_UNAUTHORIZED' })
  })

  t.test('keeps the caller’s request id (the gateway’s) in the answer', async (t) => {
    const r = await refusal(ws, { 'x-request-id': 'gw-req-42' })
    t.equal(r.requestId, 'gw-req-42')
    t.equal(r.body.requestId, 'gw-req-42')
  })

  t.test('another path: 404 problem+json naming /ws', async (t) => {
    const r = await refusal(ws.replace(/\/ws$/, '/sockets'))
    t.equal(r.status, 404)
    t.equal(r.type, 'application/problem+json')
    t.match(r.body, { code: 'KIT_ERR_NOT_FOUND', detail: /\/ws/, instance: '/sockets' })
  })
})
