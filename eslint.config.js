// @ts-check
import eslint from '@eslint/js'
import tseslint from 'typescript-eslint'

/** Lint rules for every workspace: eslint's recommended set plus typescript-eslint's. */
export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.tap/**', '.tools/**', '.data/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
)
