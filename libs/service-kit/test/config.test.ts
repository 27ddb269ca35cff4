import t from 'tap'
import Type from 'typebox'
import { baseConfig, ConfigError, loadConfig, storageConfig } from '../src/index.js'

const Schema = Type.Object({ ...baseConfig, ...storageConfig, PORT: Type.Integer({ default: 3999 }) })

t.test('loadConfig applies defaults and coerces numbers', async (t) => {
  const c = loadConfig(Schema, { MONGO_URL: 'mongodb://127.0.0.1:27017/x', PORT: '4001' })
  t.equal(c.PORT, 4001)
  t.equal(c.HOST, '127.0.0.1')
  t.equal(c.AMQP_URL, 'amqp://guest:guest@127.0.0.1:5672')
})

t.test('loadConfig names a missing variable', async (t) => {
  t.throws(() => loadConfig(Schema, {}), new ConfigError('invalid configuration — MONGO_URL: is required'))
})

t.test('loadConfig names a bad variable and says what is wrong', async (t) => {
  t.throws(() => loadConfig(Schema, { MONGO_URL: 'postgres://x', PORT: 'abc' }), {
    name: 'ConfigError',
    message: /MONGO_URL: must match pattern/,
  })
  t.throws(() => loadConfig(Schema, { MONGO_URL: 'mongodb://x', LOG_LEVEL: 'loud' }), {
    message: /LOG_LEVEL/,
  })
})
