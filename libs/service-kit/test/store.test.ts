import t, { type Test } from 'tap'
import { outboxPlugin } from '@kelmah/bus'
import { createEvent } from '@kelmah/contracts'
import { dropDatabase, eventProbe, testEnv, uniqueMongoUrl, uniqueName } from '@kelmah/testing'
import { Schema } from 'mongoose'
import { buildService, isDuplicateKey, type AggregateStore, type KelmahApp } from '../src/index.js'

const env = testEnv()

interface Counter {
  _id: string
  count: number
  status: string
  tags: string[]
  nested: { label: string; steps: Array<{ done: boolean }> }
  version: number
  updatedAt?: Date
}

async function setup(t: Test, now = () => new Date('2026-01-02T03:04:05Z')) {
  const mongoUrl = uniqueMongoUrl('kit_store')
  const exchange = uniqueName('kit.store.events')
  const app: KelmahApp = await buildService({
    name: 'kit-store',
    producer: 'test',
    logLevel: false,
    mongoUrl,
    amqpUrl: env.amqpUrl,
    busExchange: exchange,
    outboxIntervalMs: 60_000, // only the store's nudge of the relay can publish within the test
    now,
  })
  const schema = new Schema<Counter>(
    {
      _id: String,
      count: { type: Number, default: 0 },
      status: { type: String, default: 'open' },
      tags: { type: [String], default: [] },
      nested: { label: String, steps: [{ _id: false, done: Boolean }] },
      version: { type: Number, default: 0 },
      updatedAt: Date,
    },
    { collection: 'counters' },
  )
  schema.plugin(outboxPlugin)
  const Model = app.mongo.model('Counter', schema)
  const store: AggregateStore<Counter> = app.store<Counter>(Model, { name: 'counter' })
  const probe = await eventProbe({ exchange })
  await app.ready()
  t.teardown(async () => {
    await probe.close()
    await app.close()
    await dropDatabase(mongoUrl)
  })
  return { app, Model, store, probe }
}

const probed = (id: string) =>
  createEvent('BusProbed', { n: 1, note: id }, { producer: 'test', correlationId: 'req-1' })

t.test('create stores the document with its events and relays them at once', async (t) => {
  const { store, probe, Model } = await setup(t)
  const doc = await store.create(
    { _id: 'c1', count: 0, status: 'open', tags: [], nested: { label: 'a', steps: [] } } as never,
    [probed('created')],
  )
  t.equal(doc._id, 'c1')
  t.equal(doc.version, 0)
  t.notOk('outbox' in doc, 'the outbox is not part of the returned document')
  const seen = await probe.waitFor((e) => e.type === 'BusProbed', 5_000)
  t.same((seen.data as { note: string }).note, 'created')
  t.equal(seen.correlationId, 'req-1')
  const err = await store
    .create({ _id: 'c1', count: 0, status: 'open', tags: [], nested: { label: 'a', steps: [] } } as never)
    .catch((e: unknown) => e)
  t.ok(isDuplicateKey(err), 'a second create with the same _id is a duplicate key')
  t.equal(await Model.countDocuments({ _id: 'c1' }), 1)
})

t.test('change writes the decision, the version bump, updatedAt and the events in one write', async (t) => {
  const { store, probe, Model } = await setup(t)
  await store.create({
    _id: 'c2',
    count: 1,
    status: 'open',
    tags: ['x'],
    nested: { label: 'a', steps: [{ done: false }] },
  } as never)
  const next = await store.change('c2', (c) => ({
    set: { status: 'closed', 'nested.steps.0.done': true },
    inc: { count: 2 },
    push: { tags: ['y', 'z'] },
    unset: ['nested.label'],
    events: [probed(`closed at ${c.count}`)],
  }))
  const stored = (await Model.findById('c2').lean())!
  for (const doc of [next, stored]) {
    t.equal(doc.status, 'closed')
    t.equal(doc.count, 3)
    t.same(doc.tags, ['x', 'y', 'z'])
    t.same(doc.nested.steps, [{ done: true }])
    t.equal(doc.nested.label, undefined)
    t.equal(doc.version, 1)
    t.same(doc.updatedAt, new Date('2026-01-02T03:04:05Z'))
  }
  const seen = await probe.waitFor((e) => e.type === 'BusProbed', 5_000)
  t.equal((seen.data as { note: string }).note, 'closed at 1')
})

t.test('change returns the document untouched when decide has nothing to do', async (t) => {
  const { store, Model } = await setup(t)
  await store.create({
    _id: 'c3',
    count: 0,
    status: 'open',
    tags: [],
    nested: { label: 'a', steps: [] },
  } as never)
  const same = await store.change('c3', () => null)
  t.equal(same.version, 0)
  t.equal((await Model.findById('c3').lean())!.version, 0)
})

t.test('a lost race is decided again on the fresh document', async (t) => {
  const { store, Model } = await setup(t)
  await store.create({
    _id: 'c4',
    count: 0,
    status: 'open',
    tags: [],
    nested: { label: 'a', steps: [] },
  } as never)
  let calls = 0
  const next = await store.change(
    'c4',
    (c) => {
      calls++
      return { inc: { count: 1 }, set: { status: `seen-${c.count}` } }
      // The first decision is made on a stale read (another writer got there first).
    },
    { current: { ...(await store.get('c4'))!, version: -1 } },
  )
  t.equal(calls, 2, 'decided twice: the stale read lost')
  t.equal(next.status, 'seen-0')
  t.equal((await Model.findById('c4').lean())!.count, 1)
})

t.test('a guard the document does not meet is retried and then a 409 conflict', async (t) => {
  const { store } = await setup(t)
  await store.create({
    _id: 'c5',
    count: 0,
    status: 'open',
    tags: [],
    nested: { label: 'a', steps: [] },
  } as never)
  let calls = 0
  const err = (await store
    .change('c5', () => (calls++, { inc: { count: 1 } }), { guard: { status: 'closed' } })
    .catch((e: unknown) => e)) as { statusCode?: number; code?: string }
  t.equal(err.statusCode, 409)
  t.equal(err.code, 'KIT_ERR_CONFLICT')
  t.equal(calls, 8, 'bounded: eight attempts')
})

t.test('change of a missing document is a 404; decide errors reach the caller', async (t) => {
  const { store } = await setup(t)
  const missing = (await store.change('nope', () => ({ inc: { count: 1 } })).catch((e: unknown) => e)) as {
    statusCode?: number
  }
  t.equal(missing.statusCode, 404)
  await store.create({
    _id: 'c6',
    count: 0,
    status: 'open',
    tags: [],
    nested: { label: 'a', steps: [] },
  } as never)
  await t.rejects(
    store.change('c6', () => {
      throw new Error('refused by the domain')
    }),
    { message: 'refused by the domain' },
  )
})

t.test('write applies a guarded change once (idempotent handlers)', async (t) => {
  const { store, Model } = await setup(t)
  await store.create({
    _id: 'c7',
    count: 0,
    status: 'open',
    tags: [],
    nested: { label: 'a', steps: [] },
  } as never)
  const apply = () =>
    store.write({ _id: 'c7', tags: { $ne: 'evt-1' } }, { push: { tags: ['evt-1'] }, inc: { count: 1 } })
  t.equal(await apply(), true)
  t.equal(await apply(), false, 'the guard refuses the second time')
  const doc = (await Model.findById('c7').lean())!
  t.equal(doc.count, 1)
  t.equal(doc.version, 1, 'write bumps the version, so a concurrent change notices')
})

t.test('eight concurrent changes of one document all apply, none lost', async (t) => {
  const { store, Model } = await setup(t)
  await store.create({
    _id: 'c8',
    count: 0,
    status: 'open',
    tags: [],
    nested: { label: 'a', steps: [] },
  } as never)
  await Promise.all(
    Array.from({ length: 8 }, (_, i) => store.change('c8', () => ({ push: { tags: [`t${i}`] } }))),
  )
  const doc = (await Model.findById('c8').lean())!
  t.equal(doc.tags.length, 8)
  t.equal(doc.version, 8)
})

t.test('a schema without outbox or version field is refused at once', async (t) => {
  const { app } = await setup(t)
  const Bare = app.mongo.model('Bare', new Schema({ _id: String, version: Number }))
  t.throws(() => app.store(Bare, { name: 'bare' }), /outboxPlugin/)
  const s = new Schema({ _id: String })
  s.plugin(outboxPlugin)
  const NoVersion = app.mongo.model('NoVersion', s)
  t.throws(() => app.store(NoVersion, { name: 'nov' }), /version/)
})
