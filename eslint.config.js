import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/paxos/**/*.ts'],
    rules: {
      // The protocol core is deterministic: time and randomness come in from the caller.
      'no-restricted-properties': ['error',
        { object: 'Math', property: 'random', message: 'use the injected seeded Rng' },
        { object: 'Date', property: 'now', message: 'time enters the core only as tick()' }],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'process'],
    },
  },
);
