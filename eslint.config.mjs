// Lint: typescript-eslint's recommended type-checked rules, plus determinism guards for workflow code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', '.tools/**', 'test/histories/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no I/O, no environment, no Node built-ins.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'http', 'https', 'net', 'pg', 'pg-*', 'jsforce', 'jsforce/*', 'faye', 'express', 'pino',
            // ferry's own I/O, at any depth (`../activities`, `../../activities/outbound/…`).
            '**/activities', '**/activities/**', '**/salesforce/**', '**/store/**', '**/infra/db', '**/infra/config', '**/worker/**', '**/api/**'],
          message: 'Workflow code must stay deterministic: do I/O in an activity (import activity types with `import type`).', allowTypeImports: true },
        ],
      }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Workflows receive configuration as arguments.' }],
    },
  },
  {
    // The API talks to workflows through Temporal and to Salesforce and Postgres through salesforce/ and store/,
    // never through an activity.
    files: ['api/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/activities', '**/activities/**'], message: 'The API does not run activities: use salesforce/, store/ or a workflow message.' }] }],
    },
  },
);
