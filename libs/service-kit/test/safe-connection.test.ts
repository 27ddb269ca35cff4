import t, { type Test } from 'tap'
import { outboxPlugin } from '@kelmah/bus'
import { createEvent } from '@kelmah/contracts'
import { dropDatabase, eventProbe, testEnv, uniqueMongoUrl, uniqueName } from '@kelmah/testing'
import mongoose, { Schema, type Connection } from 'mongoose'
import {
  buildService,
  DEFAULT_SAFE_POOL_SIZE,
  isDuplicateKey,
  type AggregateStore,
  type KelmahApp,
} from '../src/index.js'

const env = testEnv()

interface Note {
  _id: string
  text: string
  edits: number
  version: number
}

/** The commands each connection sent, as `<command> <collection>`. */
function recordCommands(conn: Connection): string[] {
  const seen: string[] = []
  conn.getClient().on('commandStarted', (e) => {
    seen.push(`${e.commandName} ${String((e.command as Record<string, unknown>)[e.commandName])}`)
  })
  return seen
}

async function setup(t: Test, extra: { mongoSafePoolSize?: number } = {}) {
  const mongoUrl = uniqueMongoUrl('kit_safe')
  const exchange = uniqueName('kit.safe.events')
  const app: KelmahApp = await buildService({
    name: 'kit-safe',
    producer: 'test',
    logLevel: false,
    // Command monitoring, to see which connection sent what.
    mongoUrl: `${mongoUrl}?monitorCommands=true`,
    amqpUrl: env.amqpUrl,
    busExchange: exchange,
    // Only the store's prompt of the relay can publish within the test.
    outboxIntervalMs: 60_000,
    ...extra,
  })
  const schema = new Schema<Note>(
    {
      _id: String,
      text: { type: String, required: true },
      edits: { type: Number, default: 0 },
      version: { type: Number, default: 0 },
    },
    { collection: 'notes', versionKey: false },
  )
  schema.plugin(outboxPlugin)
  const Model = app.mongo.model('Note', schema)
  await Model.init()
  const store: AggregateStore<Note> = app.store<Note>(Model, { name: 'note', safeCreate: true })
  const probe = await eventProbe({ exchange })
  const info: { ferretdbVersion?: string } = await app.mongo.db!.admin().command({ buildInfo: 1 })
  await app.ready()
  t.teardown(async () => {
    await probe.close()
    await app.close()
    await dropDatabase(mongoUrl)
  })
  return { app, Model, store, probe, ferretdb: Boolean(info.ferretdbVersion) }
}

const probed = (note: string) =>
  createEvent('BusProbed', { n: 1, note }, { producer: 'test', correlationId: 'req-safe' })

t.test('on FerretDB, a second pooled connection serves reads and unique inserts', async (t) => {
  const { app, Model, ferretdb } = await setup(t)
  const safeModel = app.safeModel(Model)
  if (!ferretdb) {
    // MongoDB 7: one pool serves both.
    t.equal(app.mongoSafe, app.mongo)
    t.equal(safeModel, Model)
    return
  }
  t.not(app.mongoSafe, app.mongo, 'its own connection')
  t.equal(app.mongo.getClient().options.maxPoolSize, 1, 'guarded updates keep the one connection')
  t.equal(app.mongoSafe.getClient().options.maxPoolSize, DEFAULT_SAFE_POOL_SIZE)
  t.equal(safeModel.db, app.mongoSafe)
  t.equal(safeModel.collection.collectionName, 'notes')
  t.equal(app.safeModel(Model), safeModel, 'compiled once')
  t.equal(app.safeModel(safeModel), safeModel)

  await Model.collection.insertOne({ _id: 'n-1' as never, text: 'written on the primary', version: 0 })
  t.equal((await safeModel.findById('n-1').lean())?.text, 'written on the primary', 'reads see it')
})

t.test('a unique insert on the safe connection is relayed at once, not at the sweep', async (t) => {
  const { app, Model, store, probe, ferretdb } = await setup(t)
  const primary = recordCommands(app.mongo)
  const safe = ferretdb ? recordCommands(app.mongoSafe) : primary

  const started = Date.now()
  const created = await store.create({ _id: 'n-2', text: 'hello', edits: 0, version: 0 }, [probed('n-2')])
  t.same(created, { _id: 'n-2', text: 'hello', edits: 0, version: 0 }, 'returned without the outbox')
  const seen = await probe.waitFor((e) => e.type === 'BusProbed', 10_000)
  const tookMs = Date.now() - started
  t.equal((seen.data as { note: string }).note, 'n-2')
  // The sweep runs every 60 s here: only the store's prompt of the relay publishes this soon.
  t.ok(tookMs < 3_000, `published ${tookMs} ms after the insert`)

  if (ferretdb) {
    t.ok(safe.includes('insert notes'), 'the insert went through the safe connection')
    t.notOk(primary.includes('insert notes'), 'not through the primary')
  }
  // The relay empties the outbox; read it back from the primary, as the relay did.
  for (let i = 0; i < 50; i++) {
    const doc = await Model.findById('n-2').lean<{ outbox: unknown[]; outboxPending?: boolean }>()
    if (doc && doc.outbox.length === 0 && doc.outboxPending === undefined) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const doc = await Model.findById('n-2').lean<{ outbox: unknown[]; outboxPending?: boolean }>()
  t.same(doc?.outbox, [], 'the outbox was emptied')
  t.equal(doc?.outboxPending, undefined, 'and its flag dropped')
  t.ok(
    primary.some((c) => c === 'update notes'),
    'the relay removed the entry through the primary connection',
  )
  t.notOk(
    safe !== primary && safe.some((c) => c.startsWith('update ')),
    'no update through the safe connection',
  )
})

t.test('the safe insert still commits by its unique key', async (t) => {
  const { Model, store } = await setup(t)
  const results = await Promise.allSettled(
    Array.from({ length: 8 }, (_, i) =>
      store.create({ _id: 'n-3', text: `attempt ${i}`, edits: 0, version: 0 }),
    ),
  )
  const won = results.filter((r) => r.status === 'fulfilled')
  t.equal(won.length, 1, 'exactly one insert wins')
  t.ok(
    results.every((r) => r.status === 'fulfilled' || isDuplicateKey(r.reason)),
    'the others are duplicate keys',
  )
  t.equal(await Model.countDocuments({ _id: 'n-3' }), 1)
})

t.test('guarded updates stay on the primary connection and keep their isolation', async (t) => {
  const { app, Model, store, ferretdb } = await setup(t)
  await store.create({ _id: 'n-4', text: 'counted', edits: 0, version: 0 })
  const primary = recordCommands(app.mongo)
  const safe = ferretdb ? recordCommands(app.mongoSafe) : []
  // Eight concurrent read-decide-writes of one document: every increment applied, none lost.
  await Promise.all(
    Array.from({ length: 8 }, () => store.change('n-4', (n) => ({ set: { edits: n.edits + 1 } }))),
  )
  const doc = await Model.findById('n-4').lean()
  t.equal(doc?.edits, 8)
  t.equal(doc?.version, 8)
  t.ok(primary.includes('update notes'), 'the updates went through the primary')
  t.notOk(
    safe.some((c) => c.startsWith('update ')),
    'none through the safe connection',
  )
  t.ok(await store.write({ _id: 'n-4', version: 8 }, { set: { text: 'written' } }))
  t.notOk(
    safe.some((c) => c.startsWith('update ')),
    'write() too',
  )
})

t.test('readiness needs both connections; shutdown closes both', async (t) => {
  const { app, ferretdb } = await setup(t)
  const ready = await app.inject({ url: '/health/ready' })
  t.equal(ready.statusCode, 200)
  const safe = app.mongoSafe
  if (ferretdb) {
    await safe.close()
    const down = await app.inject({ url: '/health/ready' })
    t.equal(down.statusCode, 503, 'the safe pool down is the database down')
    t.match(down.json(), { checks: { mongodb: { status: 'down' } } })
  }
  await app.close()
  t.equal(app.mongo.readyState, mongoose.ConnectionStates.disconnected)
  t.equal(safe.readyState, mongoose.ConnectionStates.disconnected)
})

t.test('mongoSafePoolSize 0: one connection for everything', async (t) => {
  const { app, Model, store, probe } = await setup(t, { mongoSafePoolSize: 0 })
  t.equal(app.mongoSafe, app.mongo)
  t.equal(app.safeModel(Model), Model)
  await store.create({ _id: 'n-5', text: 'plain', edits: 0, version: 0 }, [probed('n-5')])
  const seen = await probe.waitFor((e) => e.type === 'BusProbed', 3_000)
  t.equal((seen.data as { note: string }).note, 'n-5')
})
