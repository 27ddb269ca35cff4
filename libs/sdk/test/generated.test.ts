/**
 * The committed generated files (openapi.json, src/generated/*) are what `npm run sdk:generate`
 * makes from the code now: regenerated in memory (the apps built in this process) and compared.
 * Also: the socket's client frame types are the messaging service's.
 */
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'
import { CLIENT_FRAME_TYPES } from '../src/index.js'
import { generate, staleFiles } from '../scripts/generate.js'
import { REPO_ROOT } from '../scripts/system.js'

t.test('the committed generated files are up to date', async (t) => {
  const stale = await staleFiles(await generate())
  t.same(stale, [], `stale: ${stale.join(', ') || 'none'} — run npm run sdk:generate and commit the result`)
})

t.test("the socket's client frame types are the messaging service's", async (t) => {
  const file = path.join(REPO_ROOT, 'services/messaging/src/domain/frames.ts')
  const frames = (await import(pathToFileURL(file).href)) as { CLIENT_FRAME_TYPES: readonly string[] }
  t.same([...CLIENT_FRAME_TYPES].sort(), [...frames.CLIENT_FRAME_TYPES].sort())
})
