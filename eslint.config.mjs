// ESLint with typescript-eslint's recommended rules, for every package (each project's `lint`
// runs `eslint src` after the type check and the module-boundary check).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/out/**', '**/*.d.ts'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      // `_name` marks a value left unused on purpose (a destructured field dropped, a required parameter).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
);
