import t from 'tap'
import { dropDatabase, tcpProxy, testEnv, uniqueMongoUrl, uniqueName } from '@kelmah/testing'
import { buildService } from '../src/index.js'

const env = testEnv()

t.test('/health/ready reports MongoDB, RabbitMQ and Redis separately', async (t) => {
  const mongoUrl = uniqueMongoUrl('kit_health')
  const redisTarget = new URL(env.redisUrl)
  const proxy = await tcpProxy({ host: redisTarget.hostname, port: Number(redisTarget.port || 6379) })
  const app = await buildService({
    name: 'kit-test',
    logLevel: false,
    mongoUrl,
    redisUrl: `redis://127.0.0.1:${proxy.port}`,
    amqpUrl: env.amqpUrl,
    busExchange: uniqueName('kit.events'),
  })
  t.teardown(async () => {
    await app.close()
    await proxy.close()
    await dropDatabase(mongoUrl)
  })
  await app.ready()

  const live = await app.inject({ url: '/health/live' })
  t.same(live.json(), { status: 'ok', service: 'kit-test' })

  const ready = await app.inject({ url: '/health/ready' })
  t.equal(ready.statusCode, 200)
  t.same(ready.json().checks, {
    mongodb: { status: 'up' },
    redis: { status: 'up' },
    rabbitmq: { status: 'up' },
  })

  proxy.pause()
  proxy.cut()
  await new Promise((r) => setTimeout(r, 100))
  const degraded = await app.inject({ url: '/health/ready' })
  t.equal(degraded.statusCode, 503)
  t.same(degraded.json().checks, {
    mongodb: { status: 'up' },
    redis: { status: 'down' },
    rabbitmq: { status: 'up' },
  })

  proxy.resume()
  const deadline = Date.now() + 10_000
  let back = 0
  while (Date.now() < deadline) {
    back = (await app.inject({ url: '/health/ready' })).statusCode
    if (back === 200) break
    await new Promise((r) => setTimeout(r, 200))
  }
  t.equal(back, 200, 'ready again once Redis is reachable')
})

t.test('buildService fails fast, naming the dependency, when MongoDB is unreachable', async (t) => {
  await t.rejects(
    buildService({
      name: 'kit-test',
      logLevel: false,
      mongoUrl: 'mongodb://127.0.0.1:1/nothing?serverSelectionTimeoutMS=500',
    }),
    /cannot connect to MongoDB/,
  )
})

t.test('buildService opens ONE connection on FerretDB, so guarded updates are serialised', async (t) => {
  const mongoUrl = uniqueMongoUrl('kit_pool')
  const app = await buildService({ name: uniqueName('kit'), logLevel: false, mongoUrl })
  t.teardown(async () => {
    await app.close()
    await dropDatabase(mongoUrl)
  })
  const info = await app.mongo.db!.admin().command({ buildInfo: 1 })
  const ferretdb = Boolean(info.ferretdbVersion ?? info.ferretdb)
  const pool = (app.mongo.getClient().options as { maxPoolSize?: number }).maxPoolSize
  if (ferretdb) t.equal(pool, 1, 'FerretDB: one connection')
  else t.not(pool, 1, 'MongoDB: the driver pool')
  // Eight concurrent guarded updates of one document: exactly one wins.
  const col = app.mongo.db!.collection('race')
  await col.insertOne({ _id: 'doc' as never, v: 0 })
  const res = await Promise.all(
    Array.from({ length: 8 }, () => col.updateOne({ _id: 'doc' as never, v: 0 }, { $set: { v: 1 } })),
  )
  t.equal(
    res.reduce((n, r) => n + r.modifiedCount, 0),
    1,
  )
})
