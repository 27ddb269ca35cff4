/**
 * The web console process: read the configuration, build the client when it was never built
 * (a fresh checkout under `npm start`), build the app, listen, shut down gracefully.
 */
import { ConfigError, runService } from '@kelmah/service-kit'
import { buildApp } from './app.js'
import { ensureClientBuilt } from './build-client.js'
import { loadWebConfig } from './config.js'

try {
  const config = loadWebConfig()
  await ensureClientBuilt(config.WEB_CLIENT_DIR)
  const app = await buildApp({ config })
  await runService(app, { port: config.PORT, host: config.HOST, graceMs: config.SHUTDOWN_GRACE_MS })
} catch (err) {
  if (err instanceof ConfigError) console.error(err.message)
  else console.error('web service failed to start:', err)
  process.exit(1)
}
