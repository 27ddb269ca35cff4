// @ts-check
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import eslint from '@eslint/js'
import { createNodeResolver, importX } from 'eslint-plugin-import-x'
import tseslint from 'typescript-eslint'

/**
 * Lint rules for every workspace: eslint's recommended set, typescript-eslint's type-checked set
 * (each file is checked against the nearest tsconfig.json, found by the project service), and the
 * import boundaries between workspaces.
 */

const root = import.meta.dirname
/** @param {string} dir */
const packageName = (dir) =>
  /** @type {{ name: string }} */ (JSON.parse(readFileSync(`${root}/${dir}/package.json`, 'utf8'))).name
const services = readdirSync(`${root}/services`, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(`${root}/services/${entry.name}/package.json`))
  .map((entry) => ({ dir: `services/${entry.name}`, name: packageName(`services/${entry.name}`) }))
const gateway = { dir: 'gateway', name: packageName('gateway') }

/**
 * Who may import whom: libs import only libs; a service imports libs, never another service or the
 * gateway; the gateway imports libs, never a service (it reaches them over HTTP). Each rule lists the
 * workspaces a group of files must not import.
 */
const boundaries = [
  {
    files: ['libs/**'],
    forbidden: [...services, gateway],
    message: 'A lib must not depend on a service or the gateway.',
  },
  {
    files: ['gateway/**'],
    forbidden: services,
    message: 'The gateway talks to services over HTTP; it must not import their code.',
  },
  ...services.map((service) => ({
    files: [`${service.dir}/**`],
    forbidden: [...services.filter((other) => other !== service), gateway],
    message: 'A service must not import another service or the gateway: share code through libs/*.',
  })),
]

/** No workspace reaches into another's files by package name (`@kelmah/x/src/…`); holds everywhere. */
const deepImport = {
  regex: '^@kelmah/[^/]+/.',
  message: "Import a workspace by its package name only (its index), never its files ('src/…').",
}
/** @param {string} s */
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/**
 * The boundaries, twice: `import-x/no-restricted-paths` on the resolved file catches relative paths
 * (`../../gateway/src/app.js`) and resolvable package imports; `no-restricted-imports` on the
 * specifier catches package names that do not resolve (services and the gateway export nothing).
 */
const boundaryConfigs = boundaries.map(({ files, forbidden, message }) => ({
  files,
  rules: {
    'import-x/no-restricted-paths': [
      'error',
      { basePath: root, zones: [{ target: files[0], from: forbidden.map((w) => `./${w.dir}`), message }] },
    ],
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          deepImport,
          { regex: `^(${forbidden.map((w) => escape(w.name)).join('|')})(/|$)`, message },
        ],
      },
    ],
  },
}))

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.tap/**', '**/coverage/**', '.tools/**', '.data/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // Each file is checked against the nearest tsconfig.json: every workspace's includes its
        // src, test and bench (and infra's its top-level scripts). Plain .js/.mjs tooling files,
        // which no tsconfig includes, are linted without types (below).
        projectService: true,
        tsconfigRootDir: root,
      },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [
        createNodeResolver({
          // Sources import `./x.js` for `./x.ts` (nodenext); workspaces resolve to their src through
          // the `development` condition, as tsconfig.base.json's customConditions do.
          extensions: ['.ts', '.d.ts', '.js', '.mjs', '.json'],
          extensionAlias: { '.js': ['.ts', '.d.ts', '.js'] },
          conditionNames: ['development', 'types', 'import', 'node', 'default'],
        }),
      ],
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],

      // Named explicitly so they stay errors everywhere, tests and benches included.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // tap queues `t.test(…)` subtests itself and the parent waits for them: leaving that
          // promise (tap's PromiseWithSubtest) un-awaited is tap's documented idiom, not a bug.
          allowForKnownSafePromises: [
            { from: 'package', name: 'PromiseWithSubtest', package: '@tapjs/core' },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      // Fastify plugins, hooks and handlers are async by contract (an async function is how a
      // plugin says "I am done"), with or without an await inside; the rule would push the
      // code into `return Promise.resolve()` noise. Floating and misused promises stay errors.
      '@typescript-eslint/require-await': 'off',

      // Workspace boundaries (more per group of workspaces below).
      'import-x/no-relative-packages': 'error',
      'no-restricted-imports': ['error', { patterns: [deepImport] }],
    },
  },
  ...boundaryConfigs,
  {
    // Tests and benches read parsed JSON bodies, mock payloads and tap's `t.context` as `any` all day;
    // the no-unsafe-* family reports every such read (over a thousand hits, hardly any a real bug),
    // and async tap callbacks without an `await` are harmless. Off here only; src keeps them. The
    // three promise/switch rules above stay on everywhere.
    files: ['**/test/**', '**/bench/**'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Plain JS tooling (this file, .ci/*.mjs): no tsconfig includes it, so no type information.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly' } },
  },
)
