import t from 'tap'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createEvent, type DomainEvent } from '@kelmah/contracts'
import {
  noteOutboxWrite,
  OUTBOX_LEASES_COLLECTION,
  OUTBOX_PENDING_FIELD,
  OutboxRelay,
  outboxPush,
  outboxPlugin,
  toOutbox,
  withOutbox,
} from '../src/index.js'
import mongoose, { type Connection, Schema } from 'mongoose'
import { MONGO_URL, sleep, testInfra, testLogger, waitFor } from './helpers/infra.js'
import { jobModel, type TestJob } from './fixtures/job-model.js'

function probe(n: number) {
  return createEvent('BusProbed', { n }, { producer: 'test' })
}

const writer = fileURLToPath(new URL('./fixtures/crashing-writer.ts', import.meta.url))

t.test('an event written just before the process was killed is relayed and consumed', async (t) => {
  const infra = await testInfra(t, ['relayed'])
  const event = probe(42)
  const child = spawn(
    process.execPath,
    [
      '--conditions=development',
      '--import',
      'tsx',
      writer,
      `${MONGO_URL}/${infra.db.name}`,
      'job-1',
      JSON.stringify(event),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) =>
    child.on('exit', (c, s) => r([c, s])),
  )
  t.equal(signal, 'SIGKILL', `writer died by SIGKILL ${stderr}`)
  t.equal(code, null)

  const Job = jobModel(infra.db)
  const left = await Job.findById('job-1').lean()
  t.equal(left?.status, 'open', 'the state change is stored')
  t.equal(left?.outbox.length, 1, 'and so is its event, in the same document')

  const bus = infra.bus()
  await bus.start()
  const got: DomainEvent[] = []
  await bus.subscribe('relayed', {
    BusProbed: async (e) => {
      got.push(e)
    },
  })
  const relay = new OutboxRelay({ bus, models: [Job], logger: testLogger(), intervalMs: 200 })
  t.teardown(() => relay.stop())
  relay.start() // the first sweep runs at once
  await waitFor('the event to be consumed', () => got.length === 1)
  t.same(got[0], event)
  await waitFor(
    'the outbox to be cleared',
    async () => (await Job.findById('job-1').lean())?.outbox.length === 0,
  )
  // The lease goes right after the outbox is emptied (the next round trip).
  await waitFor(
    'the lease to be released',
    async () => (await infra.db.collection(OUTBOX_LEASES_COLLECTION).countDocuments({})) === 0,
  )
})

t.test(
  'a guarded update that matches nothing publishes nothing; one that matches publishes its event',
  async (t) => {
    const infra = await testInfra(t, ['guarded'])
    const Job = jobModel(infra.db)
    await Job.create([
      { _id: 'closed-job', status: 'closed' },
      { _id: 'open-job', status: 'open' },
    ])
    const bus = infra.bus()
    await bus.start()
    const got: number[] = []
    await bus.subscribe('guarded', {
      BusProbed: async (e) => {
        got.push(e.data.n)
      },
    })
    const relay = new OutboxRelay({ bus, models: [Job], logger: testLogger(), intervalMs: 60_000 })
    t.teardown(() => relay.stop())
    relay.start()

    const missed = await Job.updateOne(
      { _id: 'closed-job', status: 'open' },
      { $set: { status: 'closed' }, ...outboxPush([probe(1)]) },
    )
    t.equal(missed.matchedCount, 0)
    await relay.kick()
    const hit = await Job.updateOne(
      { _id: 'open-job', status: 'open' },
      withOutbox({ $set: { status: 'closed' } }, [probe(2)]),
    )
    t.equal(hit.modifiedCount, 1)
    await relay.kick()
    await waitFor('the matched write’s event', () => got.length === 1)
    await sleep(200)
    t.same(got, [2], 'only the write that happened produced an event')
    t.same((await Job.findById('closed-job').lean())?.outbox, [])
  },
)

t.test(
  'kick relays the documents written since the last pass by _id; the sweep finds unnoted writes',
  async (t) => {
    const infra = await testInfra(t, ['noted'])
    const Job = jobModel(infra.db)
    const bus = infra.bus()
    await bus.start()
    const got: number[] = []
    await bus.subscribe('noted', {
      BusProbed: async (e) => {
        got.push(e.data.n)
      },
    })
    const relay = new OutboxRelay({ bus, models: [Job], logger: testLogger(), intervalMs: 60_000 })
    t.teardown(() => relay.stop())
    relay.start()
    await relay.kick()

    // Through the model: noted by the plugin's middleware, relayed by the next kick.
    await Job.create({ _id: 'created', status: 'open', outbox: toOutbox([probe(1)]) })
    await Job.updateOne({ _id: 'created' }, outboxPush([probe(2)]))
    await Job.findOneAndUpdate({ _id: 'created' }, outboxPush([probe(3)]))
    await relay.kick()
    await waitFor('the three model writes', () => got.length === 3)
    // Through the native driver without a note: a kick does not scan the collection; the sweep
    // finds the flagged one (and drops the flag of an emptied outbox), only a full sweep finds
    // the one written without the flag (an old-format document).
    await Job.collection.insertOne({
      _id: 'native-flagged' as never,
      status: 'open',
      outbox: toOutbox([probe(4)]),
      [OUTBOX_PENDING_FIELD]: true,
    })
    await Job.collection.insertOne({
      _id: 'old-format' as never,
      status: 'open',
      outbox: toOutbox([probe(6)]),
    })
    await Job.collection.insertOne({
      _id: 'emptied' as never,
      status: 'open',
      outbox: [],
      [OUTBOX_PENDING_FIELD]: true,
    })
    await relay.kick()
    await sleep(300)
    t.same(got.sort(), [1, 2, 3], 'a kick does not scan the collection')
    await relay.sweep()
    await waitFor('the sweep to find the flagged write', () => got.length === 4)
    await sleep(300)
    t.same(got.sort(), [1, 2, 3, 4], 'the sweep reads flagged documents only')
    t.equal(await Job.countDocuments({ [OUTBOX_PENDING_FIELD]: true }), 0, 'flags dropped with the entries')
    await relay.fullSweep()
    await waitFor('the full sweep to find the old-format write', () => got.length === 5)
    got.pop()
    // Native write with a note: a kick is enough.
    await Job.collection.insertOne({
      _id: 'native-noted' as never,
      status: 'open',
      outbox: toOutbox([probe(5)]),
    })
    noteOutboxWrite(Job, 'native-noted')
    await relay.kick()
    await waitFor('the noted native write', () => got.length === 5)
    t.same(got.sort(), [1, 2, 3, 4, 5])
  },
)

t.test('two relays racing over the same documents publish every entry and empty every outbox', async (t) => {
  const infra = await testInfra(t, [])
  const Job = jobModel(infra.db)
  const events = Array.from({ length: 12 }, (_, i) => probe(i))
  await Job.create(
    events.map((e, i) => ({ _id: `job-${i}`, status: 'open' as const, outbox: toOutbox([e]) })),
  )
  // two more entries in one document, to exercise $pullAll of several exact elements
  await Job.updateOne({ _id: 'job-0' }, outboxPush([probe(100), probe(101)]))
  const bus = infra.bus()
  await bus.start()
  const counts = new Map<string, number>()
  const counting = {
    publish: async (e: DomainEvent) => {
      counts.set(e.id, (counts.get(e.id) ?? 0) + 1)
      await sleep(5)
      await bus.publish(e)
    },
  }
  const a = new OutboxRelay({ bus: counting, models: [Job], logger: testLogger(), intervalMs: 60_000 })
  const b = new OutboxRelay({ bus: counting, models: [Job], logger: testLogger(), intervalMs: 60_000 })
  t.teardown(() => Promise.all([a.stop(), b.stop()]))
  a.start()
  b.start()
  await Promise.all([a.kick(), b.kick()])
  await waitFor('every outbox emptied', async () => {
    await a.kick()
    return (await Job.countDocuments({ 'outbox.0': { $exists: true } })) === 0
  })
  t.equal(counts.size, 14, 'every entry published')
  // The lease (a unique insert) keeps the racing relays apart, so no entry goes out twice here;
  // in general doubles are possible (expired lease, crash after confirm) and consumers dedupe.
  t.same([...new Set(counts.values())], [1], 'no entry published twice')
  t.equal(await Job.countDocuments({ [OUTBOX_PENDING_FIELD]: true }), 0, 'no flag left behind')
})

t.test(
  'an entry written while the relay publishes is relayed too, and keeps the flag until it is',
  async (t) => {
    const infra = await testInfra(t, [])
    const Job = jobModel(infra.db)
    await Job.create({ _id: 'busy', status: 'open', outbox: toOutbox([probe(1)]) })
    const published: number[] = []
    let flagDuringSecond: unknown
    const relay = new OutboxRelay({
      bus: {
        publish: async (e) => {
          const n = (e as { data: { n: number } }).data.n
          // A service write lands between the relay's read and its removal: the removal's guard
          // (the exact outbox read) must miss, so neither the entry nor the flag goes.
          if (n === 1) await Job.updateOne({ _id: 'busy' }, outboxPush([probe(2)]))
          if (n === 2)
            flagDuringSecond = (await Job.collection.findOne({ _id: 'busy' as never }))?.outboxPending
          published.push(n)
        },
      },
      models: [Job],
      logger: testLogger(),
      intervalMs: 60_000,
    })
    t.teardown(() => relay.stop())
    relay.start()
    await relay.kick()
    t.same(published, [1, 2], 'both published, in order, each once')
    t.equal(flagDuringSecond, true, 'the flag stayed while an entry was pending')
    const doc = await Job.collection.findOne({ _id: 'busy' as never })
    t.same(doc?.outbox, [], 'outbox emptied')
    t.notOk(doc && OUTBOX_PENDING_FIELD in doc, 'flag dropped once empty')
  },
)

t.test('an outbox leased by a crashed relay is picked up by the sweep once the lease expires', async (t) => {
  const infra = await testInfra(t, [])
  const Job = jobModel(infra.db)
  const event = probe(9)
  const leaseUntil = new Date(Date.now() + 400)
  await Job.create({ _id: 'stuck', status: 'open', outbox: toOutbox([event]) })
  await infra.db
    .collection(OUTBOX_LEASES_COLLECTION)
    .insertOne({ _id: 'jobs:stuck' as never, owner: 'a relay that crashed', until: leaseUntil })
  const published: { id: string; at: number }[] = []
  const relay = new OutboxRelay({
    bus: { publish: async (e) => void published.push({ id: e.id, at: Date.now() }) },
    models: [Job],
    logger: testLogger(),
    intervalMs: 100,
  })
  t.teardown(() => relay.stop())
  relay.start()
  await waitFor('the sweep to relay it', () => published.length === 1, 3000)
  t.ok(published[0]!.at >= leaseUntil.getTime(), 'not before the lease ran out')
  t.equal(published[0]!.id, event.id)
})

t.test('a pass over several documents takes their leases at once and skips one held elsewhere', async (t) => {
  const infra = await testInfra(t, [])
  const Job = jobModel(infra.db)
  const events = [probe(1), probe(2), probe(3)]
  for (const [i, e] of events.entries())
    await Job.create({ _id: `b${i}`, status: 'open', outbox: toOutbox([e]) })
  const leases = infra.db.collection(OUTBOX_LEASES_COLLECTION)
  const heldUntil = new Date(Date.now() + 60_000)
  await leases.insertOne({ _id: 'jobs:b1' as never, owner: 'another relay', until: heldUntil })
  const published: string[] = []
  const relay = new OutboxRelay({
    bus: { publish: async (e) => void published.push(e.id) },
    models: [Job],
    logger: testLogger(),
    intervalMs: 60_000,
  })
  t.teardown(() => relay.stop())
  relay.start()
  await relay.sweep()
  t.same(published.sort(), [events[0]!.id, events[2]!.id].sort(), 'the two free documents, each once')
  t.equal((await Job.findById('b1').lean())?.outbox.length, 1, 'the leased one left to its holder')
  t.same(
    await leases.find({}).toArray(),
    [{ _id: 'jobs:b1', owner: 'another relay', until: heldUntil }],
    "this relay's leases dropped, the other's kept",
  )
})

t.test('a failed publish keeps the entry for the next pass', async (t) => {
  const infra = await testInfra(t, [])
  const Job = jobModel(infra.db)
  await Job.create({ _id: 'j', status: 'open', outbox: toOutbox([probe(1), probe(2)]) })
  let fail = true
  const published: number[] = []
  const relay = new OutboxRelay({
    bus: {
      publish: async (e) => {
        if (fail) throw new Error('broker away')
        published.push((e as { data: { n: number } }).data.n)
      },
    },
    models: [Job],
    logger: testLogger(),
    intervalMs: 60_000,
  })
  t.teardown(() => relay.stop())
  relay.start()
  await relay.kick()
  t.equal((await Job.findById('j').lean())?.outbox.length, 2, 'nothing removed without a confirm')
  t.equal(
    await infra.db.collection(OUTBOX_LEASES_COLLECTION).countDocuments({}),
    0,
    'lease released for the next pass',
  )
  fail = false
  await relay.kick()
  t.same(published, [1, 2], 'relayed in order')
  t.equal((await Job.findById('j').lean())?.outbox.length, 0)
})

/** A second aggregate on `conn` (collection `contracts`), for passes over several collections. */
function contractModel(conn: Connection) {
  if (conn.models.TestContract) return conn.model<TestJob>('TestContract')
  const schema = new Schema<TestJob>({ _id: String, status: { type: String, required: true } })
  schema.plugin(outboxPlugin)
  return conn.model<TestJob>('TestContract', schema, 'contracts')
}

/** `n` job documents `<prefix>0…` with one entry each, written natively (flagged) and noted, as a burst of service writes leaves them. */
async function backlogOf(Job: ReturnType<typeof jobModel>, prefix: string, n: number, from = 0) {
  const docs = Array.from({ length: n }, (_, i) => ({
    _id: `${prefix}${i}`,
    status: 'open',
    outbox: toOutbox([probe(from + i)]),
    [OUTBOX_PENDING_FIELD]: true,
  }))
  await Job.collection.insertMany(docs as never[])
  for (const d of docs) noteOutboxWrite(Job, d._id)
}

t.test('an event of another collection is not held behind one collection’s backlog', async (t) => {
  const infra = await testInfra(t, [])
  const Job = jobModel(infra.db)
  const Contract = contractModel(infra.db)
  const order: number[] = []
  const relay = new OutboxRelay({
    bus: { publish: async (e) => void order.push((e as { data: { n: number } }).data.n) },
    models: [Job, Contract],
    logger: testLogger(),
    intervalMs: 60_000,
  })
  t.teardown(() => relay.stop())
  relay.start()
  await relay.kick()
  await backlogOf(Job, 'app', 80)
  await Contract.create({ _id: 'signed', status: 'open', outbox: toOutbox([probe(1000)]) })
  await relay.kick()
  t.equal(order.length, 81, 'every event published')
  t.equal(new Set(order).size, 81, 'each once')
  const at = order.indexOf(1000)
  t.ok(at >= 0 && at <= 20, `the contract's event went out with the first batch, not after 80 (at ${at})`)
  t.equal(await Job.countDocuments({ [OUTBOX_PENDING_FIELD]: true }), 0, 'the backlog drained')
  t.equal(await Contract.countDocuments({ 'outbox.0': { $exists: true } }), 0)
})

t.test('a batch of documents is relayed side by side, each document’s entries in order', async (t) => {
  const infra = await testInfra(t, [])
  const Job = jobModel(infra.db)
  const docs = Array.from({ length: 8 }, (_, d) => ({
    _id: `multi${d}`,
    status: 'open' as const,
    outbox: toOutbox([probe(d * 10), probe(d * 10 + 1), probe(d * 10 + 2)]),
  }))
  await Job.create(docs)
  const byDoc = new Map<number, number[]>()
  let inFlight = 0
  let most = 0
  const relay = new OutboxRelay({
    bus: {
      publish: async (e) => {
        const n = (e as { data: { n: number } }).data.n
        inFlight++
        most = Math.max(most, inFlight)
        await sleep(5 + (n % 7)) // confirms that come back at different times
        inFlight--
        byDoc.set(Math.floor(n / 10), [...(byDoc.get(Math.floor(n / 10)) ?? []), n % 10])
      },
    },
    models: [Job],
    logger: testLogger(),
    intervalMs: 60_000,
  })
  t.teardown(() => relay.stop())
  relay.start()
  await relay.kick()
  t.equal(byDoc.size, 8, 'every document relayed')
  for (const [d, got] of byDoc) t.same(got, [0, 1, 2], `document ${d}: its entries in order, each once`)
  t.ok(most > 1, `publishes of different documents overlapped (at most ${most} at once)`)
  t.equal(await Job.countDocuments({ 'outbox.0': { $exists: true } }), 0, 'every outbox emptied')
  t.equal(await Job.countDocuments({ [OUTBOX_PENDING_FIELD]: true }), 0, 'no flag left behind')
})

t.test('a batch’s removals go out in one update command', async (t) => {
  const infra = await testInfra(t, [])
  // A connection of its own (one, as every service) whose commands are counted.
  const conn = await mongoose
    .createConnection(`${MONGO_URL}/${infra.db.name}`, {
      maxPoolSize: 1,
      monitorCommands: true,
      bufferCommands: false,
      serverSelectionTimeoutMS: 3000,
    })
    .asPromise()
  t.teardown(() => conn.close())
  const commands: string[] = []
  conn.getClient().on('commandStarted', (e) => commands.push(e.commandName))
  const Job = jobModel(conn)
  const relay = new OutboxRelay({
    bus: { publish: async () => {} },
    models: [Job],
    logger: testLogger(),
    intervalMs: 60_000,
  })
  t.teardown(() => relay.stop())
  relay.start()
  await relay.kick()
  await backlogOf(Job, 'one', 10)
  commands.length = 0
  await relay.kick()
  const count = (name: string) => commands.filter((c) => c === name).length
  t.same(
    { insert: count('insert'), find: count('find'), update: count('update'), delete: count('delete') },
    { insert: 1, find: 10, update: 1, delete: 1 },
    '10 documents: their leases, a read each, ONE removal command, the leases dropped',
  )
  t.equal(await Job.countDocuments({ 'outbox.0': { $exists: true } }), 0, 'every outbox emptied')
  t.equal(await Job.countDocuments({ [OUTBOX_PENDING_FIELD]: true }), 0, 'every flag dropped')
})

t.test(
  'in a batch, a document written while it is relayed keeps its new entry and flag until that is relayed too',
  async (t) => {
    const infra = await testInfra(t, [])
    const Job = jobModel(infra.db)
    const relay = new OutboxRelay({
      bus: {
        publish: async (e) => {
          const n = (e as { data: { n: number } }).data.n
          counts.set(n, (counts.get(n) ?? 0) + 1)
          // A service write to mix2 between the relay's read and the batch's removal: that
          // statement's guard misses, the batch's others match.
          if (n === 2) await Job.updateOne({ _id: 'mix2' }, outboxPush([probe(100)]))
          if (n === 100)
            flagDuringNew = (await Job.collection.findOne({ _id: 'mix2' as never }))?.outboxPending
        },
      },
      models: [Job],
      logger: testLogger(),
      intervalMs: 60_000,
    })
    const counts = new Map<number, number>()
    let flagDuringNew: unknown
    t.teardown(() => relay.stop())
    relay.start()
    await relay.kick()
    await backlogOf(Job, 'mix', 6)
    await relay.kick()
    await relay.kick() // the pass after: what the write noted meanwhile
    t.same(
      [...counts].sort(([a], [b]) => a - b),
      [0, 1, 2, 3, 4, 5, 100].map((n) => [n, 1]),
      'every entry published once, the new one too',
    )
    t.equal(flagDuringNew, true, 'the flag stayed while the new entry was pending')
    t.equal(await Job.countDocuments({ 'outbox.0': { $exists: true } }), 0, 'every outbox emptied')
    t.equal(await Job.countDocuments({ [OUTBOX_PENDING_FIELD]: true }), 0, 'every flag dropped')
  },
)

t.test('in a batch, a document whose publish fails stays for the next pass; the others go', async (t) => {
  const infra = await testInfra(t, [])
  const Job = jobModel(infra.db)
  let brokerAway = true
  const published: number[] = []
  const relay = new OutboxRelay({
    bus: {
      publish: async (e) => {
        const n = (e as { data: { n: number } }).data.n
        if (n === 3 && brokerAway) throw new Error('nacked')
        published.push(n)
      },
    },
    models: [Job],
    logger: testLogger(),
    intervalMs: 60_000,
  })
  t.teardown(() => relay.stop())
  relay.start()
  await relay.kick()
  await backlogOf(Job, 'f', 6)
  await relay.kick() // returns: the failing document is not retried within the pass
  t.same(published.sort(), [0, 1, 2, 4, 5], 'the other five published')
  const left = await Job.collection.find({ 'outbox.0': { $exists: true } }).toArray()
  t.same(
    left.map((d) => [d._id, d.outbox.length, d[OUTBOX_PENDING_FIELD]]),
    [['f3', 1, true]],
    'only the failed one keeps its entry and flag',
  )
  t.equal(await infra.db.collection(OUTBOX_LEASES_COLLECTION).countDocuments({}), 0, 'every lease dropped')
  brokerAway = false
  await relay.kick()
  t.same(published.sort(), [0, 1, 2, 3, 4, 5], 'the next pass relays it')
  t.equal(await Job.countDocuments({ [OUTBOX_PENDING_FIELD]: true }), 0)
})

t.test(
  'a document written again during a long pass is relayed in that pass, not after the backlog',
  async (t) => {
    const infra = await testInfra(t, [])
    const Job = jobModel(infra.db)
    const Contract = contractModel(infra.db)
    const order: number[] = []
    const relay = new OutboxRelay({
      bus: {
        publish: async (e) => {
          const n = (e as { data: { n: number } }).data.n
          order.push(n)
          // The contract's second signature lands while the backlog's second batch goes out.
          if (n === 25) await Contract.updateOne({ _id: 'c' }, outboxPush([probe(2000)]))
        },
      },
      models: [Job, Contract],
      logger: testLogger(),
      intervalMs: 60_000,
    })
    t.teardown(() => relay.stop())
    relay.start()
    await relay.kick()
    await backlogOf(Job, 'app', 80)
    await Contract.create({ _id: 'c', status: 'open', outbox: toOutbox([probe(1000)]) })
    await relay.kick()
    t.equal(order.length, 82, 'every event published')
    const signedAt = order.indexOf(2000)
    t.ok(
      signedAt > order.indexOf(25) && signedAt < order.indexOf(79),
      `the second contract event went out in the next round, before the backlog's end (at ${signedAt} of 82)`,
    )
    t.equal(await Contract.countDocuments({ [OUTBOX_PENDING_FIELD]: true }), 0, 'its flag dropped')
  },
)
