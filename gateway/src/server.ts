/**
 * The gateway process: read configuration, build the app, listen on `PORT` (5000), shut down
 * gracefully on SIGTERM/SIGINT.
 */
import { runService } from '@kelmah/service-kit'
import { buildApp } from './app.js'
import { loadGatewayConfig } from './config.js'

const config = loadGatewayConfig()
const app = await buildApp({ config })
await runService(app, { port: config.PORT, host: config.HOST, graceMs: config.SHUTDOWN_GRACE_MS })
