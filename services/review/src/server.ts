/**
 * The review service process: read the configuration, build the app, listen, shut down gracefully.
 */
import { ConfigError, runService } from '@kelmah/service-kit'
import { buildApp } from './app.js'
import { loadReviewConfig } from './config.js'

try {
  const config = loadReviewConfig()
  const app = await buildApp({ config })
  await runService(app, { port: config.PORT, host: config.HOST, graceMs: config.SHUTDOWN_GRACE_MS })
} catch (err) {
  if (err instanceof ConfigError) console.error(err.message)
  else console.error('review service failed to start:', err)
  process.exit(1)
}
