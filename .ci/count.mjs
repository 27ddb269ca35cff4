// Count test results from tap's per-file raw output (`<workspace>/.tap/test-results/**/*.tap`) and
// print "N passed, N failed". A test is one top-level subtest (or top-level assertion) of a file; a
// file that crashed before finishing counts as one failure of its own.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Parser } from 'tap-parser'

function* tapFiles(dir, depth = 0) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === '.git') continue
    const path = join(dir, name)
    if (!statSync(path).isDirectory()) continue
    if (name === '.tap') {
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
if (files === 0) {
  console.log('0 passed, 1 failed')
  console.error('no tap results found: did the tests run?')
  process.exit(1)
}
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed > 0 ? 1 : 0)
