import t from 'tap'
import { APPS, appEnv } from '../services.js'

const urls = {
  MONGO_URL: 'mongodb://127.0.0.1:27017',
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
  REDIS_URL: 'redis://127.0.0.1:6379',
  SMTP_URL: 'smtp://127.0.0.1:1025',
  MAILDEV_URL: 'http://127.0.0.1:1080',
  STRIPE_API_URL: 'http://127.0.0.1:12111',
}

t.test('each service gets its own database and the peers it needs', async (t) => {
  const auth = APPS.find((a) => a.name === 'auth')
  const gateway = APPS.find((a) => a.name === 'gateway')
  t.ok(auth && gateway)
  const authEnv = appEnv(auth!, urls)
  t.match(authEnv.MONGO_URL, /\/kelmah_auth(\?|$)/)
  t.equal(authEnv.PORT, '3001')
  const gatewayEnv = appEnv(gateway!, urls)
  t.equal(gatewayEnv.PORT, '5000')
  t.equal(gatewayEnv.AUTH_SERVICE_URL, 'http://127.0.0.1:3001')
})
