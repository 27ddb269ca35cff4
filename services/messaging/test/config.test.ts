import t from 'tap'
import { loadMessagingConfig } from '../src/config.js'

t.test(
  'the configuration defaults match the protocol: port 3003, typing stops after 5 s, 5000-character messages',
  async (t) => {
    const config = loadMessagingConfig({ MONGO_URL: 'mongodb://127.0.0.1:27017/kelmah_messaging' })
    t.equal(config.PORT, 3003)
    t.equal(config.TYPING_TIMEOUT_MS, 5000)
    t.equal(config.MESSAGE_MAX_CHARS, 5000)
  },
)

t.test('a bad variable stops the boot with a message naming it', async (t) => {
  t.throws(() => loadMessagingConfig({}), /MONGO_URL/)
  t.throws(
    () => loadMessagingConfig({ MONGO_URL: 'mongodb://x/y', TYPING_TIMEOUT_MS: 'soon' }),
    /TYPING_TIMEOUT_MS/,
  )
  t.throws(
    () => loadMessagingConfig({ MONGO_URL: 'mongodb://x/y', WS_FRAME_LIMITS: 'typing=fast' }),
    /WS_FRAME_LIMITS/,
  )
  t.throws(
    () => loadMessagingConfig({ MONGO_URL: 'mongodb://x/y', WS_MAX_SOCKETS_PER_USER: '0' }),
    /WS_MAX_SOCKETS_PER_USER/,
  )
})
