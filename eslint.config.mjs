// ESLint 9 flat configuration: typescript-eslint's recommended rules for every TypeScript/JavaScript file,
// eslint-plugin-svelte's for the renderer's components, and eslint-config-style rules off where Prettier
// formats (`npm run lint` = eslint + prettier --check + the layering check).
import js from '@eslint/js';
import globals from 'globals';
import svelte from 'eslint-plugin-svelte';
import tseslint from 'typescript-eslint';
import svelteConfig from './svelte.config.mjs';

export default tseslint.config(
  {
    ignores: ['node_modules/', 'out/', 'dist/', 'docs/api/', 'native/build/', 'native/node_modules/', 'bench-results/', 'test-results/', 'playwright-report/', 'resources/data/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // The Svelte rules apply to components only (some of them misfire on plain scripts).
  ...svelte.configs.recommended.map((c) => ({ ...c, files: c.files ?? ['**/*.svelte', '**/*.svelte.ts'] })),
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Unused names are errors, except the deliberate `_`-prefixed ones (destructuring a field away, unused callback parameters).
      // A `let` assigned once after a closure that reads it (timers, self-references) stays `let`; so does a
      // destructuring where some names are reassigned.
      'prefer-const': ['error', { destructuring: 'all', ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.cjs', 'native/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/renderer/**/*.{ts,svelte}', 'src/preload/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'], svelteConfig } },
    // Svelte 5 props are `let { a, b } = $props()`: the plugin's prefer-const knows runes, the core rule does not.
    rules: { 'prefer-const': 'off', 'svelte/prefer-const': ['error', { destructuring: 'all', ignoreReadBeforeAssign: true }] },
  },
);
