import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'actions/*/dist/', 'bin/', 'coverage/', '.bench/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The pure core must stay free of I/O and of the runner toolkit.
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@actions/*', '@octokit/*'], message: 'src/core is pure: no runner or API imports.' },
            {
              group: ['**/adapters/**', '**/actions/**', '**/sandbox/**', '**/cli/**'],
              message: 'src/core imports only src/core.',
            },
            {
              group: ['node:fs', 'node:child_process', 'node:net', 'node:http', 'fs', 'child_process'],
              message: 'src/core does no I/O.',
            },
          ],
        },
      ],
    },
  },
);
