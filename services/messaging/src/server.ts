/**
 * The messaging service process: read the configuration, build the app, listen, shut down
 * gracefully (sockets are closed with 1001 before the bus and databases).
 */
import { ConfigError, runService } from '@kelmah/service-kit'
import { buildApp } from './app.js'
import { loadMessagingConfig } from './config.js'

try {
  const config = loadMessagingConfig()
  const app = await buildApp({ config })
  await runService(app, { port: config.PORT, host: config.HOST, graceMs: config.SHUTDOWN_GRACE_MS })
} catch (err) {
  if (err instanceof ConfigError) console.error(err.message)
  else console.error('messaging service failed to start:', err)
  process.exit(1)
}
