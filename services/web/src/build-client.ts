/**
 * Build the browser app with Vite when its `index.html` is missing: `npm start` on a fresh
 * checkout (or after `git clean`) then serves a working console without a separate
 * `npm run build`. Container images build it at image time (Dockerfile: `npm run build`), so
 * production never gets here with a missing client.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The workspace folder (services/web), where vite.config.ts lives. */
export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Run `vite build` (the workspace's vite.config.ts) unless `clientDir/index.html` exists.
 *
 * @param clientDir - where the app is served from (`WEB_CLIENT_DIR`)
 * @param force - build even when it exists (tests of a changed client)
 * @returns whether a build ran
 * @throws Error when Vite is not installed (production install without dev dependencies) or the build fails
 */
export async function ensureClientBuilt(clientDir: string, force = false): Promise<boolean> {
  if (!force) {
    try {
      await fs.access(path.join(clientDir, 'index.html'))
      return false
    } catch {
      // not built yet
    }
  }
  const { build } = await import('vite')
  await build({
    configFile: path.join(WEB_DIR, 'vite.config.ts'),
    root: path.join(WEB_DIR, 'client'),
    logLevel: 'warn',
  })
  return true
}
