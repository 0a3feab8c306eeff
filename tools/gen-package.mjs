// One-off scaffolding helper: writes package.json/tsconfig files for a workspace project.
import fs from 'node:fs';
import path from 'node:path';
const [dir, name, kind, desc, depsJson = '{}', peersJson = '{}'] = process.argv.slice(2);
const deps = JSON.parse(depsJson);
const peers = JSON.parse(peersJson);
const pkg = {
  name,
  version: '0.1.0',
  description: desc,
  license: 'Apache-2.0',
  type: 'module',
  main: './dist/index.js',
  types: './dist/index.d.ts',
  exports: {
    '.': {
      '@autonas/source': './src/index.ts',
      types: './dist/index.d.ts',
      default: './dist/index.js',
    },
    './package.json': './package.json',
  },
  files: ['dist', 'src', '!src/**/*.spec.ts'],
  scripts: {
    build: 'tsc -p tsconfig.build.json',
    test: 'vitest run',
    lint: 'tsc -p tsconfig.json --noEmit && node ../../tools/lint/boundaries.mjs .',
  },
  nx: { tags: [`kind:${kind}`] },
};
if (Object.keys(deps).length) pkg.dependencies = deps;
if (Object.keys(peers).length) pkg.peerDependencies = peers;
fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
  extends: '../../tsconfig.base.json',
  compilerOptions: { rootDir: 'src', outDir: 'dist', noEmit: true },
  include: ['src/**/*.ts'],
}, null, 2) + '\n');
fs.writeFileSync(path.join(dir, 'tsconfig.build.json'), JSON.stringify({
  extends: './tsconfig.json',
  compilerOptions: { noEmit: false },
  exclude: ['src/**/*.spec.ts', 'src/**/*.test-util.ts'],
}, null, 2) + '\n');
fs.writeFileSync(path.join(dir, 'vitest.config.ts'), `import { defineProject } from '../../vitest.shared.js';\n\nexport default defineProject(import.meta.dirname);\n`);
