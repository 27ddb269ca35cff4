/**
 * The payment service process: read the configuration, build the app, listen, shut down gracefully.
 */
import { ConfigError, runService } from '@kelmah/service-kit'
import { buildApp } from './app.js'
import { loadPaymentConfig } from './config.js'

try {
  const config = loadPaymentConfig()
  const app = await buildApp({ config })
  await runService(app, { port: config.PORT, host: config.HOST, graceMs: config.SHUTDOWN_GRACE_MS })
} catch (err) {
  if (err instanceof ConfigError) console.error(err.message)
  else console.error('payment service failed to start:', err)
  process.exit(1)
}
