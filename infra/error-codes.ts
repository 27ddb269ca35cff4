/**
 * The error-code reference, `docs/errors.md`, made from the error catalogues themselves: every
 * workspace's `src/errors.ts` (service-kit, the gateway, each service) is imported and each
 * exported `@fastify/error` constructor is read — its `code`, `statusCode` and message template —
 * so the reference cannot drift from the code (docs/conventions.md, Errors).
 *
 * Run: `node --conditions=development --import tsx infra/error-codes.ts [--check] [--out <file>]`
 * — writes the reference; with `--check` writes nothing and exits 1 when the file is stale.
 *
 * Why import rather than parse: a catalogue entry is `createError(code, message, status)`, and
 * what clients see is what that call made. An instance built without arguments keeps the message
 * template as written (`util.format` leaves placeholders alone when given none), and `code` and
 * `statusCode` are set on every instance, so no source shape (line breaks, constants, re-exports)
 * can fool the reader.
 */
import { existsSync } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { format, resolveConfig } from 'prettier'
import { REPO_ROOT, isMain } from './paths.js'

/** Where the reference is written, relative to the repository root. */
export const REFERENCE_FILE = 'docs/errors.md'

/** One catalogue entry. */
export interface ErrorCode {
  /** The exported constructor (`EmailTaken`). */
  name: string
  /** The problem's `code` member (`AUTH_ERR_EMAIL_TAKEN`). */
  code: string
  /** HTTP status of the problem response. */
  status: number
  /** The message template; `%s`/`%d` are filled in where the error is thrown. */
  message: string
}

/** The catalogue of one workspace. */
export interface Catalogue {
  /** Workspace folder (`services/auth`). */
  workspace: string
  /** The catalogue file, relative to the repository root. */
  file: string
  /** Its entries, by code. */
  codes: ErrorCode[]
  /** Exports that are not `@fastify/error` constructors (re-exported helpers such as `withFields`). */
  skipped: string[]
}

/** Set by `@fastify/error` on the prototype of every constructor it makes. */
const FASTIFY_ERROR = Symbol.for('fastify-error-generic')

/**
 * The catalogue files, relative to `root`: service-kit's, the gateway's, then every service's
 * (alphabetically), each only when it exists.
 */
export async function catalogueFiles(root: string = REPO_ROOT): Promise<string[]> {
  const services = (await fs.readdir(path.join(root, 'services'), { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => `services/${entry.name}/src/errors.ts`)
    .sort()
  return ['libs/service-kit/src/errors.ts', 'gateway/src/errors.ts', ...services].filter((file) =>
    existsSync(path.join(root, file)),
  )
}

/** Whether `value` is a constructor made by `@fastify/error`'s `createError`. */
function isFastifyErrorConstructor(value: unknown): value is new () => Error & Record<string, unknown> {
  return (
    typeof value === 'function' &&
    (value.prototype as Record<symbol, unknown> | undefined)?.[FASTIFY_ERROR] === true
  )
}

/**
 * Import the catalogue `file` (relative to `root`) and read its entries.
 *
 * @throws Error when an entry has no string `code` or no numeric status (not a catalogue entry
 *   made the documented way)
 */
export async function readCatalogue(file: string, root: string = REPO_ROOT): Promise<Catalogue> {
  const mod = (await import(pathToFileURL(path.join(root, file)).href)) as Record<string, unknown>
  const codes: ErrorCode[] = []
  const skipped: string[] = []
  for (const [name, value] of Object.entries(mod)) {
    if (!isFastifyErrorConstructor(value)) {
      skipped.push(name)
      continue
    }
    const sample = new value()
    const { code, statusCode, message } = sample
    if (typeof code !== 'string' || typeof statusCode !== 'number' || typeof message !== 'string') {
      throw new Error(
        `${file}: ${name} has no code or HTTP status; build it as createError(code, message, status)`,
      )
    }
    codes.push({ name, code, status: statusCode, message })
  }
  codes.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
  return { workspace: path.dirname(path.dirname(file)), file, codes, skipped }
}

/** Every catalogue of the repository at `root`. */
export async function readCatalogues(root: string = REPO_ROOT): Promise<Catalogue[]> {
  const catalogues: Catalogue[] = []
  for (const file of await catalogueFiles(root)) catalogues.push(await readCatalogue(file, root))
  return catalogues
}

/** `text` as a Markdown table cell: inline code, pipes escaped. */
function codeCell(text: string): string {
  const escaped = text.replaceAll('|', '\\|')
  return escaped.includes('`') ? `\`\` ${escaped} \`\`` : `\`${escaped}\``
}

/**
 * The reference document for `catalogues`, formatted with the repository's Prettier settings (so
 * `prettier --check .` accepts the generated file as it is).
 */
export async function renderReference(
  catalogues: readonly Catalogue[],
  root: string = REPO_ROOT,
): Promise<string> {
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated by infra/error-codes.ts from the error catalogues; do not edit by hand. -->',
    '',
    'Every error response is an RFC 9457 problem (`application/problem+json`) whose `code` member is',
    "one of the codes below; service-kit's shared handler renders them (docs/conventions.md, Errors).",
    '`%s` and `%d` in a message are filled in where the error is thrown. Schema validation failures',
    'are `KIT_ERR_VALIDATION` (400, with `errors[]`) and unknown routes `KIT_ERR_ROUTE_NOT_FOUND` (404),',
    'both made by the shared handler itself. Regenerate after changing a catalogue:',
    '`node --conditions=development --import tsx infra/error-codes.ts`.',
  ]
  for (const catalogue of catalogues) {
    lines.push(
      '',
      `## ${catalogue.workspace}`,
      '',
      `From [\`${catalogue.file}\`](../${catalogue.file}).`,
      '',
      '| code | HTTP status | message | constructor |',
      '| --- | --- | --- | --- |',
      ...catalogue.codes.map(
        (c) => `| ${codeCell(c.code)} | ${c.status} | ${codeCell(c.message)} | ${codeCell(c.name)} |`,
      ),
    )
  }
  const filepath = path.join(root, REFERENCE_FILE)
  const options = (await resolveConfig(filepath)) ?? {}
  return format(`${lines.join('\n')}\n`, { ...options, filepath })
}

/** What {@link run} did. */
export interface RunResult {
  /** The file compared or written (absolute). */
  file: string
  /** True when the file already held the reference. */
  current: boolean
  /** True when the file was (re)written. */
  written: boolean
  catalogues: Catalogue[]
}

/**
 * Make the reference and write it to `out` (default `docs/errors.md`), or with `check` only
 * compare.
 */
export async function run(opts: { check?: boolean; out?: string; root?: string } = {}): Promise<RunResult> {
  const root = opts.root ?? REPO_ROOT
  const file = path.resolve(root, opts.out ?? REFERENCE_FILE)
  const catalogues = await readCatalogues(root)
  const expected = await renderReference(catalogues, root)
  const actual = existsSync(file) ? await fs.readFile(file, 'utf8') : undefined
  const current = actual === expected
  if (!current && !opts.check) await fs.writeFile(file, expected)
  return { file, current, written: !current && !opts.check, catalogues }
}

/** Parse the command line: `[--check] [--out <file>]`. */
function parseArgs(argv: readonly string[]): { check: boolean; out?: string } {
  let check = false
  let out: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--check') check = true
    else if (arg === '--out' && argv[i + 1]) out = argv[++i]
    else throw new Error(`unknown argument ${arg}; usage: error-codes.ts [--check] [--out <file>]`)
  }
  return out ? { check, out } : { check }
}

if (isMain(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2))
  const result = await run({ ...args, ...(args.out ? { out: path.resolve(args.out) } : {}) })
  const count = result.catalogues.reduce((n, c) => n + c.codes.length, 0)
  const where = path.relative(process.cwd(), result.file) || result.file
  if (args.check && !result.current) {
    console.error(
      `${where} is stale: regenerate it with node --conditions=development --import tsx infra/error-codes.ts`,
    )
    process.exit(1)
  }
  console.log(
    `${where}: ${count} codes from ${result.catalogues.length} catalogues${result.written ? ' (written)' : ' (up to date)'}`,
  )
}
