/**
 * The messaging service through the real gateway, both as child processes (no workspace imports
 * another's source): clients connect to the gateway's /ws and /api/chat, the gateway proxies to a
 * messaging instance, both trusting the JWKS of a token kit this test signs with (served here
 * over HTTP for the gateway's `JWT_JWKS_URL`).
 *
 * The messaging instance is `services/messaging/bench/serve.ts`: its own database, exchange,
 * consumer queues and Redis prefix, all removed when it gets SIGTERM — so, unlike `e2e.test.ts`,
 * it never shares the `messaging.*` queues of an `npm start` or of the e2e run.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import http from 'node:http'
import net from 'node:net'
import { freePort } from '../services.js'
import path from 'node:path'
import readline from 'node:readline'
import { testEnv, tokenKit, uniqueName, wsClient, type TokenKit, type WsClient } from '@kelmah/testing'
import { Redis } from 'ioredis'
import t from 'tap'
import { REPO_ROOT } from '../paths.js'

/** A user of this test: id and access token. */
interface User {
  id: string
  token: string
}

function newUser(kit: TokenKit): User {
  const id = `user-${Math.random().toString(16).slice(2, 10)}`
  return { id, token: kit.sign({ sub: id, role: 'worker' }) }
}

/** Serve `jwks` at `http://127.0.0.1:<port>/jwks.json` until teardown. */
async function serveJwks(jwks: object): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

t.test('sockets through the gateway', async (t) => {
  const kit = tokenKit()
  const jwks = await serveJwks(kit.jwks)
  const tsx = import.meta.resolve('tsx')
  const children: ChildProcess[] = []
  const output: string[] = []
  const namespace = `${uniqueName('gwmsg')}:`

  const stop = (c: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve()
      const timer = setTimeout(() => c.kill('SIGKILL'), 10_000)
      c.once('exit', () => {
        clearTimeout(timer)
        resolve()
      })
      c.kill('SIGTERM')
    })
  // If the test process dies without its teardown (timeout, crash), take the children with it.
  const onExit = () => children.forEach((c) => c.kill('SIGKILL'))
  process.once('exit', onExit)
  t.teardown(async () => {
    // The gateway first (it holds the sockets' upstream connections), then messaging cleans up.
    for (const c of [...children].reverse()) await stop(c)
    process.removeListener('exit', onExit)
    await jwks.close()
    const redis = new Redis(testEnv().redisUrl)
    const keys = await redis.keys(`${namespace}*`)
    if (keys.length > 0) await redis.del(...keys)
    redis.disconnect()
  })

  const launch = (name: string, dir: string, script: string, env: Record<string, string>) => {
    const child = spawn(process.execPath, ['--conditions=development', '--import', tsx, script], {
      cwd: path.join(REPO_ROOT, dir),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(child)
    const lines = [child.stdout, child.stderr].map((input) => readline.createInterface({ input }))
    for (const rl of lines) rl.on('line', (line) => output.push(`[${name}] ${line}`))
    return { child, stdout: lines[0]! }
  }

  /** Wait for `predicate` on the child's output lines; fail when it exits first or time runs out. */
  const waitFor = <T>(
    name: string,
    p: { child: ChildProcess; stdout: readline.Interface },
    find: (line: string) => T | undefined,
    timeoutMs = 60_000,
  ) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} not ready within ${timeoutMs} ms`)), timeoutMs)
      p.child.once('exit', (code, signal) => reject(new Error(`${name} exited (${code ?? signal})`)))
      p.stdout.on('line', (line) => {
        const found = find(line)
        if (found !== undefined) {
          clearTimeout(timer)
          resolve(found)
        }
      })
    })

  let base: string
  try {
    const messaging = launch('messaging', 'services/messaging', 'bench/serve.ts', {
      PORT: '0',
      MESSAGING_JWKS: JSON.stringify(kit.jwks),
      TYPING_TIMEOUT_MS: '400',
      MESSAGE_RATE_MAX: '1000',
      LOG_LEVEL: 'warn',
    })
    const upstream = await waitFor('messaging', messaging, (l) => /listening on (\S+)/.exec(l)?.[1])
    const port = await freePort()
    const gateway = launch('gateway', 'gateway', 'src/server.ts', {
      PORT: String(port),
      HOST: '127.0.0.1',
      AUTH_SERVICE_URL: '',
      MESSAGING_SERVICE_URL: upstream,
      REDIS_URL: testEnv().redisUrl,
      RATE_LIMIT_NAMESPACE: namespace,
      JWT_JWKS_URL: jwks.url,
      LOG_LEVEL: 'warn',
    })
    base = `http://127.0.0.1:${port}`
    const deadline = Date.now() + 60_000
    for (;;) {
      if (gateway.child.exitCode !== null) throw new Error(`gateway exited (${gateway.child.exitCode})`)
      const ok = await fetch(`${base}/health/live`, { signal: AbortSignal.timeout(1_000) }).then(
        async (r) => (await r.arrayBuffer(), r.ok),
        () => false,
      )
      if (ok) break
      if (Date.now() > deadline) throw new Error('gateway not live within 60 s')
      await new Promise((r) => setTimeout(r, 200))
    }
  } catch (err) {
    t.comment(output.slice(-60).join('\n'))
    throw err
  }

  const wsBase = `${base.replace('http', 'ws')}/ws`
  const viaGateway = async (u: User, header = false): Promise<WsClient> => {
    const client = header
      ? await wsClient(wsBase, { headers: { authorization: `Bearer ${u.token}` } })
      : await wsClient(`${wsBase}?token=${u.token}`)
    t.teardown(() => client.close())
    await client.next('hello')
    return client
  }

  t.test('the quoted frames work end to end: chat, typing, mark_read', async (t) => {
    const [a, b] = [newUser(kit), newUser(kit)]
    const sa = await viaGateway(a, true)
    const sb = await viaGateway(b)
    sa.ws.send(`{"type":"chat","recipientId":"${b.id}","message":"Hello world"}`)
    const delivered = await sa.next('message_delivered')
    const incoming = await sb.next('new_message')
    t.match(incoming.message, { id: delivered.messageId, senderId: a.id, content: 'Hello world' })
    sb.ws.send(`{"type":"typing_start","recipientId":"${a.id}"}`)
    t.match(await sa.next('user_typing'), { type: 'user_typing', from: b.id, isTyping: true })
    sb.ws.send(`{"type":"mark_read","messageIds":["${String(delivered.messageId)}"]}`)
    t.match(await sa.next('messages_read'), {
      type: 'messages_read',
      messageIds: [delivered.messageId],
      readBy: b.id,
      readAt: String,
    })
    t.match(
      await sa.next('user_typing', 3_000),
      { from: b.id, isTyping: false },
      'auto-stop arrives through the gateway',
    )
    const rest = await fetch(`${base}/api/chat/conversations/${String(delivered.conversationId)}/messages`, {
      headers: { authorization: `Bearer ${a.token}` },
    })
    t.equal(rest.status, 200)
    const page = (await rest.json()) as { items: Array<{ readAt: string | null }> }
    t.equal(page.items[0]!.readAt !== null, true)
  })

  t.test('the gateway refuses an upgrade without a valid token (401)', async (t) => {
    const status = (url: string) =>
      wsClient(url).then(
        (ws) => (ws.close(), 101),
        (err: { statusCode?: number }) => err.statusCode,
      )
    t.equal(await status(wsBase), 401)
    t.equal(await status(`${wsBase}?token=${kit.expired()}`), 401)
  })
})
