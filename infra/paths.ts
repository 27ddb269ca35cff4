import { fileURLToPath, pathToFileURL } from 'node:url'
import path from 'node:path'

/** Absolute path of the repository root (the folder holding the root package.json). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** Where `infra/tools.ts` puts built binaries (git-ignored). */
export const TOOLS_BIN = path.join(REPO_ROOT, '.tools', 'bin')
/** Local state of the infrastructure this folder starts (git-ignored; `rm -rf .data` resets it). */
export const DATA_DIR = path.join(REPO_ROOT, '.data')
/** One log file per process started by `infra/up.ts`. */
export const LOG_DIR = path.join(DATA_DIR, 'logs')
/** One `<name>.pid` file per process started by `infra/up.ts`; `infra/down.ts` stops exactly those. */
export const RUN_DIR = path.join(DATA_DIR, 'run')
/** Local signing keys (git-ignored). */
export const KEYS_DIR = path.join(REPO_ROOT, '.keys')

/**
 * Whether the module whose `import.meta.url` is given is the script node was asked to run
 * (Node 20 has no `import.meta.main`).
 */
export function isMain(metaUrl: string): boolean {
  const entry = process.argv[1]
  return entry !== undefined && pathToFileURL(path.resolve(entry)).href === metaUrl
}
