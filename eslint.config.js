import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
    },
  },
  {
    // The dashboard's page scripts run in the browser, served as they are.
    files: ['api/dashboard/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: { window: 'readonly', document: 'readonly', sessionStorage: 'readonly', fetch: 'readonly', TextDecoder: 'readonly', atob: 'readonly', URLSearchParams: 'readonly' },
    },
  },
  {
    // CLIs, the benchmark and test skip notices talk to a terminal on purpose.
    files: ['core/rules/cli.ts', 'core/auth/token-cli.ts', 'bench/**', 'bin/**', 'scripts/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
);
