import net from 'node:net'
import { createVerifier } from 'fast-jwt'
import { createPublicKey } from 'node:crypto'
import t from 'tap'
import { otpFrom, tcpProxy, tokenKit, uniqueName } from '../src/index.js'

t.test('tokenKit signs ES256 tokens its JWKS verifies, and makes each kind of bad token', async (t) => {
  const kit = tokenKit()
  const jwk = kit.jwks.keys[0]!
  const key = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString()
  const verify = createVerifier({
    key,
    algorithms: ['ES256'],
    allowedIss: 'kelmah-auth',
    allowedAud: 'kelmah',
  })
  t.match(verify(kit.sign({ sub: 'u1', role: 'hirer' })), { sub: 'u1', role: 'hirer' })
  t.throws(() => verify(kit.expired()), /expired/)
  t.throws(() => verify(kit.tampered()))
  t.throws(() => verify(kit.algNone()))
})

t.test('tcpProxy forwards bytes, and cut() drops open connections while new ones still work', async (t) => {
  const echo = net.createServer((s) => s.pipe(s))
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r))
  t.teardown(() => echo.close())
  const proxy = await tcpProxy({ host: '127.0.0.1', port: (echo.address() as net.AddressInfo).port })
  t.teardown(() => proxy.close())
  const talk = () =>
    new Promise<{ socket: net.Socket; reply: string }>((resolve) => {
      const socket = net.connect(proxy.port, '127.0.0.1', () => socket.write('ping'))
      socket.once('data', (d) => resolve({ socket, reply: d.toString() }))
    })
  const first = await talk()
  t.equal(first.reply, 'ping')
  t.equal(proxy.connections, 1)
  const closed = new Promise((r) => first.socket.once('close', r))
  proxy.cut()
  await closed
  const second = await talk()
  t.equal(second.reply, 'ping', 'reconnects after a cut')
  second.socket.destroy()
})

t.test('otpFrom finds the 6-digit code in a mail and refuses a mail without one', async (t) => {
  t.equal(
    otpFrom({ id: '1', subject: 'Your code', to: [], text: 'Your verification code is 042917.' }),
    '042917',
  )
  t.throws(() => otpFrom({ id: '2', subject: 'Hello', to: [], text: 'no code here' }), /no 6-digit code/)
})

t.test('uniqueName never repeats', async (t) => {
  const names = new Set(Array.from({ length: 1000 }, () => uniqueName('x')))
  t.equal(names.size, 1000)
})
