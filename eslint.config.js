// ESLint flat config (ESLint 10 / typescript-eslint 8). Formatting, line length included, is
// Prettier's job (.prettierrc.json): no formatting rules here, so eslint-config-prettier is not needed.
//
// Type-aware rules (no-floating-promises, no-misused-promises) need the TypeScript program: about
// 2.7x the time (16.5 s instead of 6 s on 2 cores) and 1.1 GB. They run when ESLINT_TYPED=1
// (`npm run lint:typed`, for CI), not in `npm run lint`.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const typed = process.env.ESLINT_TYPED === '1';

export default defineConfig(
  {
    // .gitignore'd output and generated code; ESLint already skips node_modules/.
    ignores: [
      'dist/',
      'dist.tmp-*/',
      'dist.old-*/',
      'src/generated/',
      'console/src/gql/',
      'packages/*/dist/',
      'packages/node/src/generated/',
      'data/',
      '.data/',
      'coverage/',
      'test-results/',
    ],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.{ts,mts,cts,js,mjs,cjs}'],
    ignores: ['packages/**'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // The browser SDK package (served at /sdk/connect.js).
    files: ['packages/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.{ts,mts,cts,js,mjs,cjs}'],
    rules: {
      // `x != null` (null or undefined) is used on purpose; everything else compares strictly.
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // The control-character patterns in the code are the point (rejecting them in URLs, headers and
      // redirect targets), written as \u escapes: the rule finds nothing accidental here.
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrors: 'all',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // The code's style: `import type { A }` when every name is a type, `import { b, type A }` when mixed.
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      // A variable a callback reads before its one assignment (a handle the callback needs) stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Tests read GraphQL answers and mock objects of unchecked shape.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The server logs through pino; only the entry points and the CLIs write to the console.
    files: ['src/**/*.ts'],
    ignores: ['src/main.ts', 'src/cli/**'],
    rules: { 'no-console': 'error' },
  },
  ...(typed
    ? [
        {
          files: ['**/*.ts'],
          ignores: ['packages/**'],
          languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
          rules: {
            '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
            '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
          },
        },
      ]
    : []),
);
