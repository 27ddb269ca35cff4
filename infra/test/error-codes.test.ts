import { spawnSync } from 'node:child_process'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { REFERENCE_FILE, readCatalogues, renderReference, run } from '../error-codes.js'
import { REPO_ROOT } from '../paths.js'

const script = path.join(REPO_ROOT, 'infra', 'error-codes.ts')
const runScript = (...args: string[]) =>
  spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', script, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  })

t.test(`${REFERENCE_FILE} is the reference the error catalogues make`, async (t) => {
  const expected = await renderReference(await readCatalogues())
  const actual = await fs.readFile(path.join(REPO_ROOT, REFERENCE_FILE), 'utf8')
  t.equal(
    actual,
    expected,
    `up to date (if not, run: node --conditions=development --import tsx infra/error-codes.ts)`,
  )
})

t.test('every catalogue entry has its workspace prefix, an error status and a unique code', async (t) => {
  const catalogues = await readCatalogues()
  t.same(
    catalogues.slice(0, 2).map((c) => c.workspace),
    ['libs/service-kit', 'gateway'],
    'service-kit and the gateway come first, then the services',
  )
  t.ok(catalogues.length >= 3, 'the services are read too')
  const seen = new Map<string, string>()
  const problems: string[] = []
  for (const catalogue of catalogues) {
    if (catalogue.codes.length === 0) problems.push(`${catalogue.file}: no error constructors`)
    const prefixes = new Set(catalogue.codes.map((c) => /^[A-Z]+_ERR_/.exec(c.code)?.[0] ?? c.code))
    if (prefixes.size > 1)
      problems.push(`${catalogue.file}: more than one prefix (${[...prefixes].join(', ')})`)
    for (const c of catalogue.codes) {
      if (!/^[A-Z]+_ERR_[A-Z0-9_]+$/.test(c.code)) problems.push(`${c.code}: not <PREFIX>_ERR_<NAME>`)
      if (c.status < 400 || c.status >= 600) problems.push(`${c.code}: status ${c.status} is not an error`)
      const other = seen.get(c.code)
      if (other) problems.push(`${c.code}: defined in ${other} and ${catalogue.file}`)
      seen.set(c.code, catalogue.file)
    }
  }
  t.same(problems, [], `${seen.size} codes checked`)
})

t.test('the codes the shared handler makes itself are still the ones the reference names', async (t) => {
  const problem = await fs.readFile(path.join(REPO_ROOT, 'libs/service-kit/src/problem.ts'), 'utf8')
  for (const code of ['KIT_ERR_VALIDATION', 'KIT_ERR_ROUTE_NOT_FOUND']) t.match(problem, `'${code}'`, code)
})

t.test('--check exits 1 on a stale file and writes nothing; a run rewrites it', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kelmah-error-codes-'))
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }))
  const out = path.join(dir, 'errors.md')
  const stale = '# Error codes\n\nstale\n'
  await fs.writeFile(out, stale)

  const checked = runScript('--check', '--out', out)
  t.equal(checked.status, 1, 'stale → exit 1')
  t.match(checked.stderr, /is stale/)
  t.equal(await fs.readFile(out, 'utf8'), stale, '--check writes nothing')

  t.match(await run({ out }), { current: false, written: true }, 'a run rewrites the stale file')
  t.match(await run({ out, check: true }), { current: true, written: false }, 'and then it is current')
})
