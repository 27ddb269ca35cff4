import t from 'tap'
import Type from 'typebox'
import { tokenKit } from '@kelmah/testing'
import {
  authenticated,
  buildService,
  callerOf,
  eventContextOf,
  serviceOptions,
  type RoutePlugin,
} from '../src/index.js'

const kit = tokenKit()

const privateRoutes: RoutePlugin<{ greeting: string }> = async (app, opts) => {
  app.post(
    '/private',
    { schema: { body: Type.Object({ name: Type.String({ minLength: 1 }) }) } },
    async (request) => ({
      greeting: `${opts.greeting} ${request.body.name}`,
      caller: callerOf(request),
      ctx: eventContextOf(request),
    }),
  )
}
const publicRoutes: RoutePlugin = async (app) => {
  app.get('/public', async () => ({ ok: true }))
}

async function appUnderTest() {
  const app = await buildService({
    name: 'kit-test',
    producer: 'job',
    logLevel: false,
    auth: { jwks: kit.jwks, issuer: 'kelmah-auth', audience: 'kelmah' },
  })
  await app.register(authenticated(privateRoutes), { greeting: 'hello' })
  await app.register(publicRoutes)
  return app
}

t.test('authenticated() puts every route of the plugin behind the token, before validation', async (t) => {
  const app = await appUnderTest()
  t.teardown(() => app.close())
  // No token and an invalid body: the 401 comes first, the body is never looked at.
  const anonymous = await app.inject({ method: 'POST', url: '/private', payload: { name: '' } })
  t.equal(anonymous.statusCode, 401)
  t.match(anonymous.headers['content-type'], /^application\/problem\+json/)
  const token = kit.sign({ sub: 'u-7', role: 'worker' })
  const invalid = await app.inject({
    method: 'POST',
    url: '/private',
    payload: { name: '' },
    headers: { authorization: `Bearer ${token}` },
  })
  t.equal(invalid.statusCode, 400, 'with a token, validation runs')
  const ok = await app.inject({
    method: 'POST',
    url: '/private',
    payload: { name: 'Ama' },
    headers: { authorization: `Bearer ${token}`, 'x-request-id': 'req-42' },
  })
  t.equal(ok.statusCode, 200)
  t.match(ok.json(), {
    greeting: 'hello Ama',
    caller: { sub: 'u-7', role: 'worker', emailVerified: true },
    ctx: { producer: 'job', correlationId: 'req-42' },
  })
  const open = await app.inject({ url: '/public' })
  t.equal(open.statusCode, 200, 'routes of other plugins stay public')
})

t.test('serviceOptions maps config and test overrides the same way for every service', async (t) => {
  const config = {
    MONGO_URL: 'mongodb://db/kelmah_job',
    AMQP_URL: 'amqp://mq',
    REDIS_URL: 'redis://cache',
    LOG_LEVEL: 'info',
    JWT_ISSUER: 'kelmah-auth',
    JWT_AUDIENCE: 'kelmah',
    JWT_JWKS_URL: 'http://auth/jwks.json',
  }
  t.match(serviceOptions('job', config, {}, { openapi: { title: 'Kelmah job' } }), {
    name: 'job',
    producer: 'job',
    logLevel: 'info',
    mongoUrl: 'mongodb://db/kelmah_job',
    auth: { jwksUrl: 'http://auth/jwks.json', issuer: 'kelmah-auth', audience: 'kelmah' },
    openapi: { title: 'Kelmah job' },
  })
  const overridden = serviceOptions('job', config, {
    serviceName: 'job_test_1',
    mongoUrl: 'mongodb://db/other',
    logLevel: false,
    jwks: kit.jwks,
    busExchange: 'x',
  })
  t.match(overridden, {
    name: 'job_test_1',
    producer: 'job',
    mongoUrl: 'mongodb://db/other',
    logLevel: false,
    busExchange: 'x',
  })
  t.same(overridden.auth?.jwks, kit.jwks)
  t.notOk(overridden.auth?.jwksUrl)
})
