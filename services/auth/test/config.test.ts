import { generateKeyPairSync } from 'node:crypto'
import { ConfigError } from '@kelmah/service-kit'
import t from 'tap'
import { loadAuthConfig, privateKeyPem } from '../src/config.js'
import { deriveKid, loadSigningKey } from '../src/tokens.js'
import { newPrivateKeyPem } from './fixtures/app.js'

t.test('loadAuthConfig', async (t) => {
  const pem = newPrivateKeyPem()
  const config = loadAuthConfig({ MONGO_URL: 'mongodb://127.0.0.1:27017/kelmah_auth', JWT_PRIVATE_KEY: pem })
  t.match(
    config,
    {
      PORT: 3001,
      SMTP_URL: 'smtp://127.0.0.1:1025',
      ACCESS_TOKEN_TTL_S: 900,
      REFRESH_TOKEN_TTL_S: 2_592_000,
      OTP_TTL_S: 600,
      OTP_MAX_ATTEMPTS: 5,
    },
    'applies the defaults',
  )
  t.throws(() => loadAuthConfig({ JWT_PRIVATE_KEY: pem }), ConfigError, 'names a missing MONGO_URL')
  t.throws(
    () => loadAuthConfig({ MONGO_URL: 'mongodb://x/y' }),
    /JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE/,
    'needs a signing key',
  )
  t.throws(
    () => privateKeyPem({ JWT_PRIVATE_KEY_FILE: '/nonexistent/key.pem' }),
    /cannot read/,
    'names an unreadable key file',
  )
  t.equal(
    privateKeyPem({ JWT_PRIVATE_KEY: pem.replaceAll('\n', '\\n') }),
    pem,
    'accepts a PEM with escaped newlines',
  )
})

t.test('loadSigningKey', async (t) => {
  const pem = newPrivateKeyPem()
  const key = loadSigningKey(pem)
  t.equal(key.kid, deriveKid(key.publicKey))
  t.match(key.kid, /^[0-9a-f]{16}$/)
  t.equal(loadSigningKey(pem, 'k1').kid, 'k1', 'JWT_KID overrides the derived kid')
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString()
  t.throws(() => loadSigningKey(rsa), /P-256/, 'refuses a non-P-256 key')
  t.throws(() => loadSigningKey('not a pem'), ConfigError)
})
