import { defineConfig } from 'vitest/config';
import path from 'node:path';

/**
 * The one vitest configuration every project uses. Workspace packages resolve to their
 * TypeScript sources through the `@autonas/source` export condition, so tests need no build.
 */
export function defineProject(root: string) {
  return defineConfig({
    root,
    resolve: { conditions: ['@autonas/source', 'module', 'node', 'import', 'default'] },
    ssr: { resolve: { conditions: ['@autonas/source', 'node', 'import', 'default'] } },
    test: {
      name: path.basename(root),
      include: ['src/**/*.spec.ts'],
      environment: 'node',
      pool: 'forks',
      testTimeout: 120_000,
      hookTimeout: 120_000,
      reporters: ['default'],
    },
  });
}
