import t from 'tap'
import { ConfigError } from '@kelmah/service-kit'
import { loadUserConfig } from '../src/config.js'

t.test('loadUserConfig', async (t) => {
  t.test('applies defaults for one developer machine', async (t) => {
    const config = loadUserConfig({ MONGO_URL: 'mongodb://127.0.0.1:27017/kelmah_user' })
    t.match(config, {
      PORT: 3002,
      SEARCH_CANDIDATE_CAP: 2000,
      JWT_ISSUER: 'kelmah-auth',
      JWT_AUDIENCE: 'kelmah',
    })
  })
  t.test('stops with a message naming a missing or bad variable', async (t) => {
    t.throws(() => loadUserConfig({}), ConfigError)
    t.throws(() => loadUserConfig({}), /MONGO_URL/)
    t.throws(
      () => loadUserConfig({ MONGO_URL: 'mongodb://h/db', SEARCH_CANDIDATE_CAP: '5' }),
      /SEARCH_CANDIDATE_CAP/,
    )
  })
})
