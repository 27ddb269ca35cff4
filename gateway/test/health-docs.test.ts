import t from 'tap'
import type { FastifySchema } from 'fastify'
import Type from 'typebox'
import { startGateway, startUpstream } from './helpers.js'

t.test('GET /health', async (t) => {
  t.test('reports every routed service up, 200', async (t) => {
    const auth = await startUpstream(t, ['/api/auth'])
    const jobs = await startUpstream(t, ['/api/jobs'])
    const gw = await startGateway(t, { AUTH_SERVICE_URL: auth.url, JOB_SERVICE_URL: jobs.url })
    const res = await gw.app.inject({ url: '/health' })
    t.equal(res.statusCode, 200)
    t.match(res.json(), {
      status: 'ok',
      services: { auth: { status: 'up', latencyMs: Number }, job: { status: 'up' } },
    })
    t.same(Object.keys(res.json().services).sort(), ['auth', 'job'], 'only routed services are reported')
  })

  t.test('reports a down service by name, 503, within the probe timeout', async (t) => {
    const auth = await startUpstream(t, ['/api/auth'])
    const hung = await startUpstream(t, [], (app) => {
      app.addReadinessCheck('database', () => new Promise(() => undefined))
    })
    const gw = await startGateway(t, {
      AUTH_SERVICE_URL: auth.url,
      USER_SERVICE_URL: 'http://127.0.0.1:1',
      REVIEW_SERVICE_URL: hung.url,
      PROBE_TIMEOUT_MS: '300',
    })
    const started = performance.now()
    const res = await gw.app.inject({ url: '/health' })
    t.ok(performance.now() - started < 1000, 'a hung upstream does not hang /health')
    t.equal(res.statusCode, 503)
    t.match(res.json(), {
      status: 'unavailable',
      services: {
        auth: { status: 'up' },
        user: { status: 'down', reason: String },
        review: { status: 'down', reason: 'timeout' },
      },
    })
  })
})

t.test('GET /docs/json', async (t) => {
  const Job = Type.Object({ id: Type.String(), title: Type.String() }, { $id: 'Job' })
  // Each `as FastifySchema` below is needed: @fastify/swagger's keys (summary, tags) augment
  // FastifySchema in the lint program (service-kit's sources) but not under `tsc -b`.
  /* eslint-disable @typescript-eslint/no-unnecessary-type-assertion */
  const jobs = await startUpstream(t, [], (app) => {
    app.addSchema(Job)
    app.get(
      '/api/jobs/:id',
      {
        schema: {
          tags: ['jobs'],
          summary: 'Read a job',
          response: { 200: Type.Ref('Job') },
        } as FastifySchema,
      },
      async () => ({ id: '1', title: 't' }),
    )
    app.get(
      '/api/users/sneaky',
      { schema: { summary: 'not the job service’s to document' } as FastifySchema },
      async () => ({}),
    )
  })
  const users = await startUpstream(t, [], (app) => {
    app.addSchema(Type.Object({ id: Type.String(), name: Type.String() }, { $id: 'Job' }))
    app.get(
      '/api/users/:id',
      {
        schema: {
          tags: ['users'],
          summary: 'Read a profile',
          response: { 200: Type.Ref('Job') },
        } as FastifySchema,
      },
      async () => ({ id: '1', name: 'n' }),
    )
  })
  /* eslint-enable @typescript-eslint/no-unnecessary-type-assertion */
  const gw = await startGateway(t, {
    JOB_SERVICE_URL: jobs.url,
    USER_SERVICE_URL: users.url,
    REVIEW_SERVICE_URL: 'http://127.0.0.1:1',
  })

  const res = await gw.app.inject({ url: '/docs/json' })
  t.equal(res.statusCode, 200)
  const doc = res.json()
  t.equal(doc.openapi, '3.1.0')
  t.ok(doc.paths['/api/jobs/{id}']?.get, 'the job service’s paths are in')
  t.ok(doc.paths['/api/users/{id}']?.get, 'the user service’s paths are in')
  t.ok(doc.paths['/health']?.get, 'the gateway’s own /health is in')
  t.notOk(doc.paths['/api/jobs/*'], 'the proxy routes themselves are not documented')
  t.equal(doc.paths['/api/users/sneaky'], undefined, 'a service documents only its own prefixes')
  t.match(doc.info.description, /could not be reached: review/)

  const schemas = doc.components.schemas
  // @fastify/swagger names shared schemas def-0, def-1…: every service's first one collides.
  const names = Object.keys(schemas).filter((n) => schemas[n].title === 'Job')
  t.equal(names.length, 2, `both same-named schemas are kept (${names.join(', ')})`)
  const userRef = JSON.stringify(doc.paths['/api/users/{id}'])
  const renamed = names.find((n) => n !== 'Job' && userRef.includes(`#/components/schemas/${n}`))
  t.ok(renamed, 'the user service’s $refs point at its renamed schema')

  t.test('GET /docs serves Swagger UI', async (t) => {
    const page = await gw.app.inject({ url: '/docs' })
    t.equal(page.statusCode, 200)
    t.match(page.body, /swagger/i)
  })
})
