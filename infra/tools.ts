/**
 * Builds the two Go tools the local infrastructure needs into `.tools/bin/` (git-ignored):
 * FerretDB 1.24.2 (the MongoDB wire protocol on PostgreSQL or SQLite, see docs/ferretdb.md) and
 * stripe-mock. A tool already there is left alone, so a second run does nothing. PostgreSQL itself
 * is not built: it is the machine's (`infra/postgres.ts`).
 *
 * Run: `node --import tsx infra/tools.ts`
 */
import { spawn, spawnSync } from 'node:child_process'
import { constants as fsConstants } from 'node:fs'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { TOOLS_BIN, isMain } from './paths.js'

/** The FerretDB release the project is tested against (docs/ferretdb.md). */
export const FERRETDB_VERSION = 'v1.24.2'
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB'
const STRIPE_MOCK_MODULE = 'github.com/stripe/stripe-mock@latest'

/** Absolute paths of the built tools. */
export const TOOL_PATHS = {
  ferretdb: path.join(TOOLS_BIN, 'ferretdb'),
  stripeMock: path.join(TOOLS_BIN, 'stripe-mock'),
} as const

/** Thrown when a tool cannot be built; the message says what to install or what failed. */
export class ToolsError extends Error {
  override name = 'ToolsError'
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await fs.access(file, fsConstants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * Finds the `go` command: first on PATH, then the official tarball's place `/usr/local/go/bin/go`.
 *
 * @throws {ToolsError} when Go is not installed, saying what to install.
 */
export async function findGo(): Promise<string> {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)
  for (const candidate of [...dirs.map((d) => path.join(d, 'go')), '/usr/local/go/bin/go']) {
    if (await isExecutable(candidate)) return candidate
  }
  throw new ToolsError(
    'Go is not installed, and it is needed once to build FerretDB and stripe-mock into .tools/bin/.\n' +
      'Install Go 1.24 or newer from https://go.dev/dl/ (for example: ' +
      'curl -fsSL https://go.dev/dl/go1.24.3.linux-amd64.tar.gz | tar -C /usr/local -xz), ' +
      'then add /usr/local/go/bin to PATH and run this again.',
  )
}

/** Runs a command, streaming its output to our stderr (progress), resolving with its exit code. */
function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'inherit', 'inherit'],
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)))
  })
}

/** Runs a command and returns its stdout, throwing with its stderr when it fails. */
function capture(cmd: string, args: string[], env: NodeJS.ProcessEnv): string {
  const res = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })
  if (res.error) throw res.error
  if (res.status !== 0) throw new ToolsError(`${cmd} ${args.join(' ')} failed:\n${res.stderr}`)
  return res.stdout
}

/** Whether a built FerretDB binary starts at all (a plain `go install` build panics without version.txt). */
function ferretdbWorks(bin: string): boolean {
  const res = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 20_000 })
  return res.status === 0 && `${res.stdout}${res.stderr}`.includes(FERRETDB_VERSION)
}

async function makeWritable(dir: string): Promise<void> {
  await fs.chmod(dir, 0o755)
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name)
    if (entry.isDirectory()) await makeWritable(p)
    else if (entry.isFile()) await fs.chmod(p, 0o644)
  }
}

async function buildFerretdb(go: string, env: NodeJS.ProcessEnv): Promise<void> {
  const bin = TOOL_PATHS.ferretdb
  log(`building FerretDB ${FERRETDB_VERSION} into ${bin} (first time: 1–2 minutes)…`)
  // Plain `go install` first: it is the documented way, and works where the Go proxy lets it.
  const installed = await run(go, ['install', `${FERRETDB_MODULE}/cmd/ferretdb@${FERRETDB_VERSION}`], { env })
  if (installed === 0 && ferretdbWorks(bin)) return
  // Why the fallback: the proxy may answer 403 on the module's @v/list (go install's deprecation
  // check), and a module-mode build has no build/version/version.txt, which FerretDB reads at start
  // (it panics without it). So: download the module source, add version.txt, build from there.
  log('plain `go install` did not give a working FerretDB; building from the module source instead…')
  await fs.rm(bin, { force: true })
  const info = JSON.parse(
    capture(go, ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], env),
  ) as {
    Dir?: string
    Error?: string
  }
  if (!info.Dir)
    throw new ToolsError(
      `go mod download gave no source directory for FerretDB: ${info.Error ?? 'unknown error'}`,
    )
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'kelmah-ferretdb-'))
  try {
    const src = path.join(work, 'src')
    await fs.cp(info.Dir, src, { recursive: true })
    await makeWritable(src) // the module cache is read-only
    await fs.writeFile(path.join(src, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`)
    const code = await run(go, ['build', '-trimpath', '-o', bin, './cmd/ferretdb'], { cwd: src, env })
    if (code !== 0) throw new ToolsError(`go build of FerretDB failed (exit ${code}); see the output above`)
  } finally {
    await fs.rm(work, { recursive: true, force: true })
  }
  if (!ferretdbWorks(bin))
    throw new ToolsError(`${bin} was built but \`ferretdb --version\` does not report ${FERRETDB_VERSION}`)
}

async function buildStripeMock(go: string, env: NodeJS.ProcessEnv): Promise<void> {
  log(`building stripe-mock into ${TOOL_PATHS.stripeMock} (first time: about a minute)…`)
  const code = await run(go, ['install', STRIPE_MOCK_MODULE], { env })
  if (code !== 0 || !(await isExecutable(TOOL_PATHS.stripeMock))) {
    throw new ToolsError(`go install ${STRIPE_MOCK_MODULE} failed (exit ${code}); see the output above`)
  }
}

function log(message: string): void {
  process.stderr.write(`[tools] ${message}\n`)
}

/**
 * Makes sure `.tools/bin/ferretdb` and `.tools/bin/stripe-mock` exist, building what is missing
 * with Go. Tools already present are not rebuilt (delete `.tools/` to force a rebuild).
 *
 * @param which - the tools needed now (default both); the others are not built.
 * @returns the absolute paths of both binaries.
 * @throws {ToolsError} when Go is missing or a build fails.
 */
export async function ensureTools(
  which: ReadonlyArray<keyof typeof TOOL_PATHS> = ['ferretdb', 'stripeMock'],
): Promise<typeof TOOL_PATHS> {
  const missingFerret = which.includes('ferretdb') && !(await isExecutable(TOOL_PATHS.ferretdb))
  const missingStripe = which.includes('stripeMock') && !(await isExecutable(TOOL_PATHS.stripeMock))
  if (!missingFerret && !missingStripe) return TOOL_PATHS
  const go = await findGo()
  await fs.mkdir(TOOLS_BIN, { recursive: true })
  // GOBIN sends `go install` output to .tools/bin; -buildvcs=false because the copied source is no repo.
  const env = {
    ...process.env,
    GOBIN: TOOLS_BIN,
    GOFLAGS: `${process.env.GOFLAGS ?? ''} -buildvcs=false`.trim(),
  }
  if (missingFerret) await buildFerretdb(go, env)
  if (missingStripe) await buildStripeMock(go, env)
  log('tools ready')
  return TOOL_PATHS
}

if (isMain(import.meta.url)) {
  try {
    const paths = await ensureTools()
    console.log(`ferretdb: ${paths.ferretdb}\nstripe-mock: ${paths.stripeMock}`)
  } catch (err) {
    console.error(err instanceof ToolsError ? err.message : err)
    process.exit(1)
  }
}
