import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import t from 'tap'

t.test('SIGTERM lets an in-flight request finish, then closes and exits 0', async (t) => {
  const child = spawn(
    process.execPath,
    [
      '--conditions=development',
      '--import',
      'tsx',
      fileURLToPath(new URL('./fixtures/slow-server.ts', import.meta.url)),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  let out = ''
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /listening (\S+)/.exec(out)
      if (m?.[1]) resolve(m[1])
    })
    child.on('exit', () => reject(new Error(`exited early: ${out}`)))
  })
  const inFlight = fetch(`${address}/slow`)
  await new Promise((r) => setTimeout(r, 150))
  child.kill('SIGTERM')
  const res = await inFlight
  t.equal(res.status, 200)
  t.same(await res.json(), { finished: true })
  const [code] = await once(child, 'exit')
  t.equal(code, 0)
  t.match(out, /closed/)
  await t.rejects(fetch(`${address}/slow`), 'no longer accepting')
})
