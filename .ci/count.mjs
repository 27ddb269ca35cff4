// Count test results from tap's per-file raw output (`<workspace>/.tap/test-results/**/*.tap`) and
// print "N passed, N failed". A test is one top-level subtest (or top-level assertion) of a file; a
// file that crashed before finishing counts as one failure of its own.
// Also prints each workspace's line coverage (tap's json-summary report, `<workspace>/.tap/report/
// coverage-summary.json`) and the overall figure, before that last line.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { Parser } from 'tap-parser'

function* tapFiles(dir, depth = 0) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === '.git') continue
    const path = join(dir, name)
    if (!statSync(path).isDirectory()) continue
    if (name === '.tap') {
      tapDirs.push(path)
      yield* walk(join(path, 'test-results'))
    } else if (depth < 2) {
      yield* tapFiles(path, depth + 1)
    }
  }
}
function* walk(dir) {
  let entries
  try {
    entries = readdirSync(dir)
  } catch {
    return
  }
  for (const name of entries) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) yield* walk(path)
    else if (name.endsWith('.tap')) yield path
  }
}

/** Every `.tap` directory met while looking for results (one per workspace that ran tap). */
const tapDirs = []

let passed = 0
let failed = 0
let files = 0
for (const file of tapFiles(process.cwd())) {
  files++
  const results = await new Promise((resolve) => {
    const p = new Parser(resolve)
    p.end(readFileSync(file))
  })
  passed += results.pass
  failed += results.fail
  if (!results.ok && results.fail === 0) {
    failed++
    console.error(`incomplete: ${file}`)
  }
  for (const f of results.failures ?? []) console.error(`failed: ${file}: ${f.name}`)
}
const coverage = { covered: 0, total: 0 }
for (const dir of tapDirs.sort()) {
  const summary = join(dir, 'report', 'coverage-summary.json')
  const workspace = relative(process.cwd(), join(dir, '..'))
  if (!existsSync(summary)) {
    console.log(`coverage ${workspace}: none`)
    continue
  }
  const { lines } = JSON.parse(readFileSync(summary, 'utf8')).total
  coverage.covered += lines.covered
  coverage.total += lines.total
  console.log(`coverage ${workspace}: ${lines.pct}% of lines (${lines.covered}/${lines.total})`)
}
if (coverage.total > 0) {
  const pct = ((100 * coverage.covered) / coverage.total).toFixed(2)
  console.log(`coverage overall: ${pct}% of lines (${coverage.covered}/${coverage.total})`)
}

if (files === 0) {
  console.log('0 passed, 1 failed')
  console.error('no tap results found: did the tests run?')
  process.exit(1)
}
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed > 0 ? 1 : 0)
