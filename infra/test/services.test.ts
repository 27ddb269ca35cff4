import t from 'tap'
import {
  APPS,
  LOCAL_AUTH_RATE_LIMIT,
  LOCAL_STRIPE_SECRET_KEY,
  LOCAL_STRIPE_WEBHOOK_SECRET,
  appEnv,
  appNodeArgs,
} from '../services.js'

const urls = {
  MONGO_URL: 'mongodb://127.0.0.1:27017',
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
  REDIS_URL: 'redis://127.0.0.1:6379',
  SMTP_URL: 'smtp://127.0.0.1:1025',
  MAILDEV_URL: 'http://127.0.0.1:1080',
  STRIPE_API_URL: 'http://127.0.0.1:12111',
}

const app = (name: string) => {
  const found = APPS.find((a) => a.name === name)
  if (!found) throw new Error(`no app ${name} in APPS`)
  return found
}

t.test(
  'the table lists every app on its documented port (docs/architecture.md, Gateway), once',
  async (t) => {
    t.same(Object.fromEntries(APPS.map((a) => [a.name, a.port])), {
      gateway: 5000,
      auth: 3001,
      user: 3002,
      messaging: 3003,
      job: 3004,
      payment: 3005,
      review: 3006,
      web: 3007,
    })
    t.equal(new Set(APPS.map((a) => a.port)).size, APPS.length, 'no two apps share a port')
    t.equal(app('job').dir, 'services/job')
  },
)

t.test('each service gets its own database and the peers it needs', async (t) => {
  const authEnv = appEnv(app('auth'), urls)
  t.match(authEnv.MONGO_URL, /\/kelmah_auth(\?|$)/)
  t.equal(authEnv.PORT, '3001')
  if (process.env.TRUST_PROXY === undefined)
    t.equal(authEnv.TRUST_PROXY, 'loopback', 'auth believes X-Forwarded-For from the gateway on loopback')
  for (const [name, port] of [
    ['user', '3002'],
    ['messaging', '3003'],
    ['job', '3004'],
    ['payment', '3005'],
    ['review', '3006'],
  ] as const) {
    const env = appEnv(app(name), urls)
    t.equal(env.PORT, port, `${name} listens on ${port}`)
    t.equal(env.MONGO_URL, `mongodb://127.0.0.1:27017/kelmah_${name}`, `${name} has its own database`)
    t.equal(
      env.JWT_JWKS_URL,
      'http://127.0.0.1:3001/api/auth/.well-known/jwks.json',
      `${name} verifies tokens with auth's keys`,
    )
    t.equal(env.AMQP_URL, urls.AMQP_URL)
    t.equal(env.REDIS_URL, urls.REDIS_URL)
    t.notOk(env.JWT_PRIVATE_KEY_FILE, `${name} never gets the signing key`)
  }
})

t.test('the gateway is given the URL of every service it proxies to', async (t) => {
  const gatewayEnv = appEnv(app('gateway'), urls)
  t.equal(gatewayEnv.PORT, '5000')
  t.equal(gatewayEnv.AUTH_SERVICE_URL, 'http://127.0.0.1:3001')
  t.equal(gatewayEnv.USER_SERVICE_URL, 'http://127.0.0.1:3002')
  t.equal(gatewayEnv.MESSAGING_SERVICE_URL, 'http://127.0.0.1:3003')
  t.equal(gatewayEnv.JOB_SERVICE_URL, 'http://127.0.0.1:3004')
  t.equal(gatewayEnv.PAYMENT_SERVICE_URL, 'http://127.0.0.1:3005')
  t.equal(gatewayEnv.REVIEW_SERVICE_URL, 'http://127.0.0.1:3006')
  t.notOk(gatewayEnv.GATEWAY_SERVICE_URL, 'not itself')
})

t.test('locally the gateway allows enough sign-ins for seeding unless told otherwise', async (t) => {
  const before = process.env.RATE_LIMIT_AUTH_MAX
  t.teardown(() => {
    if (before === undefined) delete process.env.RATE_LIMIT_AUTH_MAX
    else process.env.RATE_LIMIT_AUTH_MAX = before
  })
  delete process.env.RATE_LIMIT_AUTH_MAX
  t.equal(appEnv(app('gateway'), urls).RATE_LIMIT_AUTH_MAX, String(LOCAL_AUTH_RATE_LIMIT))
  t.notOk(appEnv(app('auth'), urls).RATE_LIMIT_AUTH_MAX, 'only the gateway limits')
  process.env.RATE_LIMIT_AUTH_MAX = '10'
  t.equal(appEnv(app('gateway'), urls).RATE_LIMIT_AUTH_MAX, '10', 'the caller’s value wins')
})

t.test('only auth gets the signing key', async (t) => {
  const jwtKey = { file: '/k.pem', kid: 'abc' }
  t.equal(appEnv(app('auth'), urls, { jwtKey }).JWT_PRIVATE_KEY_FILE, '/k.pem')
  t.equal(appEnv(app('auth'), urls, { jwtKey }).JWT_KID, 'abc')
  t.notOk(appEnv(app('job'), urls, { jwtKey }).JWT_PRIVATE_KEY_FILE)
})

t.test('only payment gets the Stripe credentials, local defaults unless the caller sets them', async (t) => {
  const saved = { key: process.env.STRIPE_SECRET_KEY, hook: process.env.STRIPE_WEBHOOK_SECRET }
  t.teardown(() => {
    for (const [name, value] of [
      ['STRIPE_SECRET_KEY', saved.key],
      ['STRIPE_WEBHOOK_SECRET', saved.hook],
    ] as const) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  })
  delete process.env.STRIPE_SECRET_KEY
  delete process.env.STRIPE_WEBHOOK_SECRET
  const env = appEnv(app('payment'), urls)
  t.equal(env.STRIPE_API_URL, urls.STRIPE_API_URL, 'it talks to stripe-mock')
  t.equal(env.STRIPE_SECRET_KEY, LOCAL_STRIPE_SECRET_KEY)
  t.match(env.STRIPE_SECRET_KEY, /^sk_test_/, 'a test key: stripe-mock accepts any sk_test_…')
  t.equal(env.STRIPE_WEBHOOK_SECRET, 'whsec_kelmah_local')
  t.equal(LOCAL_STRIPE_WEBHOOK_SECRET, 'whsec_kelmah_local')
  t.notOk(appEnv(app('job'), urls).STRIPE_SECRET_KEY, 'no other service holds the key')
  t.notOk(appEnv(app('gateway'), urls).STRIPE_WEBHOOK_SECRET, 'the gateway does not check signatures')
  process.env.STRIPE_SECRET_KEY = 'sk_test_mine'
  process.env.STRIPE_WEBHOOK_SECRET = 'whsec_mine'
  t.equal(appEnv(app('payment'), urls).STRIPE_SECRET_KEY, 'sk_test_mine', 'the caller’s key wins')
  t.equal(appEnv(app('payment'), urls).STRIPE_WEBHOOK_SECRET, 'whsec_mine', 'the caller’s secret wins')
})

t.test('every app starts with the telemetry module, a no-op unless an OTLP endpoint is set', async (t) => {
  const args = appNodeArgs('/x/tsx/loader.mjs')
  t.same(args.slice(0, 3), ['--conditions=development', '--import', '/x/tsx/loader.mjs'], 'TypeScript first')
  t.same(args.slice(3), ['--import', '@kelmah/service-kit/telemetry', 'src/server.ts'])
})
