import t from 'tap'
import { createEvent } from '@kelmah/contracts'
import type { HandlerContext } from '../src/index.js'
import { depth, sleep, testInfra, waitFor } from './helpers/infra.js'
import { tcpProxy as startTcpProxy } from '@kelmah/testing'

const BROKER = { host: '127.0.0.1', port: 5672 }

function probe(n: number) {
  return createEvent('BusProbed', { n }, { producer: 'test' })
}

function viaProxy(port: number): string {
  return `amqp://guest:guest@127.0.0.1:${port}`
}

t.test('a message whose consumer dies before acking comes back to another consumer', async (t) => {
  const infra = await testInfra(t, ['worker'])
  const proxy = await startTcpProxy(BROKER)
  t.teardown(() => proxy.close())
  const doomed = infra.bus({ url: viaProxy(proxy.port) })
  const survivor = infra.bus()
  await doomed.start()
  await survivor.start()

  let release!: () => void
  const gate = new Promise<void>((r) => (release = r))
  let doomedStarted = false
  await doomed.subscribe('worker', {
    BusProbed: async () => {
      doomedStarted = true
      await gate // hangs until the test lets go, long after its connection is gone
    },
  })
  const event = probe(1)
  await survivor.publish(event)
  await waitFor('the first consumer to take the message', () => doomedStarted)

  const seen: HandlerContext[] = []
  await survivor.subscribe('worker', {
    BusProbed: async (e, ctx) => {
      t.equal(e.id, event.id)
      seen.push(ctx)
    },
  })
  t.equal(seen.length, 0, 'the unacked message stays with the first consumer while it lives')

  await proxy.close() // the first consumer's connection dies mid-handler
  await waitFor('redelivery to the survivor', () => seen.length === 1)
  t.equal(seen[0]!.redelivered, true)
  t.equal(seen[0]!.attempt, 1)

  release()
  await doomed.close() // its late ack goes nowhere and breaks nothing
  await sleep(100)
  t.equal(await depth(`${infra.service}.worker`), 0)
  t.equal(seen.length, 1)
})

t.test(
  'after the broker connection is cut, the bus reconnects and publish and consume work again',
  async (t) => {
    const infra = await testInfra(t, ['steady'])
    const proxy = await startTcpProxy(BROKER)
    t.teardown(() => proxy.close())
    const bus = infra.bus({ url: viaProxy(proxy.port) })
    await bus.start()
    const got: number[] = []
    await bus.subscribe('steady', {
      BusProbed: async (e) => {
        got.push(e.data.n)
      },
    })
    await bus.publish(probe(1))
    await waitFor('first delivery', () => got.length === 1)

    proxy.cut()
    await waitFor('disconnect noticed', () => !bus.isConnected())
    // published while down: held by the channel and sent (and confirmed) after reconnecting
    const duringOutage = bus.publish(probe(2))
    await waitFor('reconnected', () => bus.isConnected(), 5000)
    await duringOutage
    await bus.publish(probe(3))
    await waitFor('deliveries after reconnect', () => got.length === 3)
    t.same(got.sort(), [1, 2, 3])
    t.ok(proxy.connections >= 1, 'the new connection also goes through the proxy')
  },
)

t.test('publish rejects with PublishError when no confirm arrives within publishTimeoutMs', async (t) => {
  const infra = await testInfra(t, [])
  const proxy = await startTcpProxy(BROKER)
  const bus = infra.bus({ url: viaProxy(proxy.port), publishTimeoutMs: 300 })
  await bus.start()
  await proxy.close() // broker unreachable for good
  await waitFor('disconnect noticed', () => !bus.isConnected())
  const started = Date.now()
  await t.rejects(bus.publish(probe(1)), { name: 'PublishError', message: /timeout/ })
  t.ok(Date.now() - started < 2000)
})
