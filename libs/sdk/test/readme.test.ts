/**
 * The README's examples are the code `test/sdk.test.ts` runs: every ```ts block of README.md is
 * one `// README: <name>` … `// END README` block of the test (layout aside), in order.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'

const dir = path.resolve(import.meta.dirname, '..')

/**
 * The code without its layout: prettier breaks a line at another place in the README (no
 * indentation) than in the test (inside two functions), so whitespace and the trailing commas
 * that come with broken lines are dropped before comparing.
 */
function normalise(block: string): string {
  return block.replace(/\s+/g, '').replace(/,([)\]}])/g, '$1')
}

t.test('every README example is a block the SDK test runs', async (t) => {
  const readme = await fs.readFile(path.join(dir, 'README.md'), 'utf8')
  const test = await fs.readFile(path.join(dir, 'test/sdk.test.ts'), 'utf8')
  const examples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => normalise(m[1]!))
  const blocks = [...test.matchAll(/\/\/ README: [\w-]+\n([\s\S]*?)\n\s*\/\/ END README/g)].map((m) =>
    normalise(m[1]!),
  )
  t.ok(examples.length >= 4, `${examples.length} examples`)
  t.same(examples, blocks)
})
