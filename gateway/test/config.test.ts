import t from 'tap'
import { Redis } from 'ioredis'
import { testEnv } from '@kelmah/testing'
import { loadGatewayConfig, trustProxy } from '../src/config.js'
import { startGateway, startUpstream } from './helpers.js'

t.test('does not log every request by default (services log them under the same request id)', async (t) => {
  t.equal(loadGatewayConfig({}).LOG_REQUESTS, false)
  t.equal(loadGatewayConfig({ LOG_REQUESTS: 'true' }).LOG_REQUESTS, true)
})

t.test('reads TRUST_PROXY as nobody, anybody or a list of addresses', async (t) => {
  t.equal(trustProxy({ TRUST_PROXY: '' }), false)
  t.equal(trustProxy({ TRUST_PROXY: 'false' }), false)
  t.equal(trustProxy({ TRUST_PROXY: 'true' }), true)
  t.same(trustProxy({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,' }), ['10.0.0.0/8', '127.0.0.1'])
})

t.test('per-IP limits and forwarding headers behind an ingress', async (t) => {
  const up = await startUpstream(t, ['/api/jobs'])
  const redis = new Redis(testEnv().redisUrl)
  t.teardown(() => redis.disconnect())
  // inject() connects from 127.0.0.1: here that is "the ingress", the client is in X-Forwarded-For.
  const fromIngress = { 'x-forwarded-for': '203.0.113.7' }

  t.test('counts the client from X-Forwarded-For when the ingress is trusted', async (t) => {
    const gw = await startGateway(t, { JOB_SERVICE_URL: up.url, TRUST_PROXY: '127.0.0.1' })
    const res = await gw.app.inject({ url: '/api/jobs/1', headers: fromIngress })
    t.equal(res.statusCode, 401)
    t.equal(await redis.get(`${gw.namespace}api:ip:203.0.113.7`), '1')
    t.equal(await redis.exists(`${gw.namespace}api:ip:127.0.0.1`), 0)
  })

  t.test('counts the connecting address when no proxy is trusted (the default)', async (t) => {
    const gw = await startGateway(t, { JOB_SERVICE_URL: up.url })
    await gw.app.inject({ url: '/api/jobs/1', headers: fromIngress })
    t.equal(await redis.get(`${gw.namespace}api:ip:127.0.0.1`), '1')
    t.equal(await redis.exists(`${gw.namespace}api:ip:203.0.113.7`), 0)
  })

  t.test('appends the connecting peer to X-Forwarded-For once, whatever is trusted', async (t) => {
    const gw = await startGateway(t, { JOB_SERVICE_URL: up.url, TRUST_PROXY: 'true' }, { mode: 'bare' })
    await gw.app.inject({ url: '/api/jobs/1', headers: fromIngress })
    t.equal(up.seen.at(-1)?.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1')
  })
})
