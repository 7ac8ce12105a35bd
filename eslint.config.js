// ESLint flat config. The layer rules of ../shared/DESIGN.md are enforced here,
// not remembered: core is pure, the bridge never touches crypto, and so on.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'
import globals from 'globals'

// Globs (e.g. '**/bridge/**') go to `patterns`; bare module names go to `paths` so that
// 'crypto' bans Node's module without banning our own '../crypto'.
const restrict = (names, message) => {
  const globs = names.filter((n) => n.includes('*') || n.includes('/'))
  const exact = names.filter((n) => !globs.includes(n))
  return {
    'no-restricted-imports': [
      'error',
      { paths: exact.map((name) => ({ name, message })), patterns: globs.length ? [{ group: globs, message }] : [] },
    ],
  }
}

const NODE_BUILTINS = ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'net', 'http', 'https', 'stream', 'buffer', 'url', 'util', 'worker_threads']

export default tseslint.config(
  { ignores: ['dist/**', 'dist-cli/**', 'node_modules/**', 'data/**', 'coverage/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // `any` switches type checking off where it is used: none in src (tests may, to poke at internals).
      '@typescript-eslint/no-explicit-any': 'error',
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['tests/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/core/**'],
    rules: restrict(
      [...NODE_BUILTINS, '**/web/**', '**/bridge/**', '**/cli/**', '**/mailstack/**', '**/contract/**', 'vue', 'pinia', 'fastify', '@fastify/*', 'imapflow', 'nodemailer'],
      'core is pure: it imports only pkijs, asn1js, postal-mime and small cipher libraries (DESIGN.md).',
    ),
  },
  {
    files: ['src/contract/**'],
    rules: restrict(
      ['**/core/**', '**/web/**', '**/bridge/**', '**/cli/**', '**/mailstack/**', ...NODE_BUILTINS],
      'contract imports only its schema library (DESIGN.md).',
    ),
  },
  {
    files: ['src/bridge/**'],
    rules: restrict(
      ['**/core/**', '**/web/**', '**/cli/**', 'pkijs', 'asn1js', '@noble/*'],
      'The bridge is a pipe for bytes: it never imports crypto code or the app (DESIGN.md).',
    ),
  },
  {
    files: ['src/web/**'],
    rules: restrict(
      ['**/bridge/**', '**/cli/**', '**/mailstack/**', ...NODE_BUILTINS],
      'web imports core and contract only (DESIGN.md).',
    ),
  },
  {
    files: ['src/web/views/**', 'src/web/components/**'],
    rules: restrict(
      ['**/bridge/**', '**/cli/**', '**/mailstack/**', '**/api/*', '**/storage/*', ...NODE_BUILTINS],
      'Views and components reach data through stores (DESIGN.md).',
    ),
  },
  {
    files: ['src/cli/**'],
    rules: restrict(['**/web/**', '**/bridge/**', '**/mailstack/**'], 'cli imports core only (DESIGN.md).'),
  },
  {
    files: ['src/mailstack/**'],
    rules: restrict(['**/core/**', '**/web/**', '**/bridge/**', '**/cli/**'], 'mailstack imports neither core nor web (DESIGN.md).'),
  },
)
