import t from 'tap'
import { ConfigError } from '@kelmah/service-kit'
import { loadJobConfig } from '../src/config.js'

t.test('loadJobConfig', async (t) => {
  t.test('defaults to port 3004 and a 500-candidate ranking cap', async (t) => {
    const config = loadJobConfig({ MONGO_URL: 'mongodb://127.0.0.1:27017/kelmah_job' })
    t.equal(config.PORT, 3004)
    t.equal(config.RANKING_CANDIDATE_CAP, 500)
  })

  t.test('a missing MONGO_URL stops the boot with a message naming it', async (t) => {
    try {
      loadJobConfig({})
      t.fail('should throw')
    } catch (err) {
      t.ok(err instanceof ConfigError)
      t.match((err as Error).message, /MONGO_URL/)
    }
  })
})
