import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'bench/results/**', 'runs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/ui/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' },
  },
  {
    // The engine is a leaf, and the run driver sits on it alone: both run unchanged in browser workers,
    // worker_threads and tests (tests/unit/architecture.test.ts checks every layer's arrows).
    files: ['src/engine/**/*.ts', 'src/run/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/ui/**', '**/state/**', '**/workers/**', '**/cli/**'], message: 'src/engine and src/run must not import from ui, state, workers or cli.' },
            { group: ['react', 'react-dom', 'react-dom/*', 'zustand', 'zustand/*', 'three', 'three/*', 'comlink', 'node:*'], message: 'src/engine and src/run are pure TypeScript with no UI, worker or Node-only dependencies.' },
          ],
        },
      ],
    },
  },
);
