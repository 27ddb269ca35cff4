import t from 'tap'
import Type from 'typebox'
import { buildService, Conflict } from '../src/index.js'

async function app() {
  const app = await buildService({ name: 'kit-test', logLevel: false })
  app.post(
    '/things',
    {
      schema: {
        body: Type.Object({
          email: Type.String({ format: 'email' }),
          budget: Type.Object({ amountMinor: Type.Integer() }),
        }),
      },
    },
    async () => ({ ok: true }),
  )
  app.get('/conflict', async () => {
    throw new Conflict('the job is already closed')
  })
  app.get('/boom', async () => {
    throw new Error('secret database password leaked in message')
  })
  return app
}

t.test('a validation error is a 400 problem naming the field', async (t) => {
  const a = await app()
  t.teardown(() => a.close())
  const res = await a.inject({
    method: 'POST',
    url: '/things',
    payload: { email: 'nope', budget: { amountMinor: 1 } },
  })
  t.equal(res.statusCode, 400)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  const body = res.json()
  t.match(body, { status: 400, title: 'Bad Request', code: 'KIT_ERR_VALIDATION', instance: '/things' })
  t.equal(body.errors[0].field, 'email')
  t.ok(body.requestId)
})

t.test('a missing nested field is named with its path', async (t) => {
  const a = await app()
  t.teardown(() => a.close())
  const res = await a.inject({ method: 'POST', url: '/things', payload: { email: 'a@b.co', budget: {} } })
  t.equal(res.statusCode, 400)
  t.equal(res.json().errors[0].field, 'budget.amountMinor')
})

t.test('catalogue errors keep their status and code', async (t) => {
  const a = await app()
  t.teardown(() => a.close())
  const res = await a.inject({ method: 'GET', url: '/conflict' })
  t.equal(res.statusCode, 409)
  t.match(res.json(), {
    code: 'KIT_ERR_CONFLICT',
    detail: 'the job is already closed',
    type: 'urn:kelmah:problem:kit_err_conflict',
  })
})

t.test('an unexpected error is a 500 problem that hides internals', async (t) => {
  const a = await app()
  t.teardown(() => a.close())
  const res = await a.inject({ method: 'GET', url: '/boom' })
  t.equal(res.statusCode, 500)
  t.notMatch(res.body, /secret/)
  t.match(res.json(), { status: 500, detail: /request id/ })
})

t.test('an unknown route is a 404 problem', async (t) => {
  const a = await app()
  t.teardown(() => a.close())
  const res = await a.inject({ method: 'GET', url: '/nope?x=1' })
  t.equal(res.statusCode, 404)
  t.match(res.json(), { status: 404, instance: '/nope', code: 'KIT_ERR_ROUTE_NOT_FOUND' })
})

t.test('request ids are made when absent, kept when safe, replaced when not', async (t) => {
  const a = await app()
  t.teardown(() => a.close())
  const made = await a.inject({ method: 'GET', url: '/health/live' })
  t.match(made.headers['x-request-id'], /^[0-9a-f-]{36}$/)
  const kept = await a.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'abc-123' } })
  t.equal(kept.headers['x-request-id'], 'abc-123')
  const unsafe = await a.inject({
    method: 'GET',
    url: '/health/live',
    headers: { 'x-request-id': 'a b\n{}' },
  })
  t.not(unsafe.headers['x-request-id'], 'a b\n{}')
})

t.test('/openapi.json documents the routes from their schemas', async (t) => {
  const a = await app()
  t.teardown(() => a.close())
  await a.ready()
  const doc = (await a.inject({ method: 'GET', url: '/openapi.json' })).json()
  t.equal(doc.openapi, '3.1.0')
  t.ok(doc.paths['/things'].post)
  t.notOk(doc.paths['/health/live'], 'health routes are hidden')
})
