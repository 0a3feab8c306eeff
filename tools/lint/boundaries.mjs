#!/usr/bin/env node
// Module-boundary check for one workspace project (run from its folder: `node ../../tools/lint/boundaries.mjs .`).
// The rules are the design card's:
// - the core imports no other workspace package and never TensorFlow.js;
// - only the runtime (@autonas/tfjs) imports @tensorflow/*;
// - plugins import the core, data and runtime packages, never another plugin or the facade;
// - every bare import is declared in the project's package.json.
import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';

const root = path.resolve(process.argv[2] ?? '.');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const kind = (pkg.nx?.tags ?? []).find((t) => t.startsWith('kind:'))?.slice(5);
if (!kind) {
  console.error(`${pkg.name}: package.json has no nx tag "kind:..."`);
  process.exit(1);
}
const declared = new Set([
  ...Object.keys(pkg.dependencies ?? {}),
  ...Object.keys(pkg.peerDependencies ?? {}),
  ...Object.keys(pkg.devDependencies ?? {}),
]);
const rootPkg = JSON.parse(fs.readFileSync(path.join(root, fs.existsSync(path.join(root, '../package.json')) && !fs.existsSync(path.join(root, '../../package.json')) ? '../package.json' : '../../package.json'), 'utf8'));
const rootDev = new Set(Object.keys(rootPkg.devDependencies ?? {}));
const PLUGIN = /^@autonas\/(space|strategy|estimator|executor|store)-/;
/** @type {Record<string, (spec: string, isSpec: boolean) => string | undefined>} */
const rules = {
  core: (s) => (s.startsWith('@autonas/') || s === 'autonas' ? 'the core imports no other workspace package' : s.startsWith('@tensorflow/') ? 'the core never imports TensorFlow.js' : undefined),
  data: (s) => (s.startsWith('@tensorflow/') ? 'only @autonas/tfjs imports TensorFlow.js' : PLUGIN.test(s) || s === 'autonas' ? 'data imports no plugin or facade' : undefined),
  testing: (s) => (s.startsWith('@tensorflow/') ? 'only @autonas/tfjs imports TensorFlow.js' : PLUGIN.test(s) || s === 'autonas' ? 'the testing kit imports no plugin or facade' : undefined),
  runtime: (s) => (PLUGIN.test(s) || s === 'autonas' ? 'the runtime imports no plugin or facade' : undefined),
  plugin: (s, isSpec) =>
    s.startsWith('@tensorflow/') ? 'plugins reach TensorFlow.js through @autonas/tfjs'
      : PLUGIN.test(s) && s !== pkg.name ? 'plugins never import each other'
        : s === 'autonas' ? 'plugins never import the facade'
          : s === '@autonas/testing' && !isSpec ? '@autonas/testing is for tests only' : undefined,
  facade: (s) => (s.startsWith('@tensorflow/') ? 'the facade reaches TensorFlow.js through @autonas/tfjs' : undefined),
  app: () => undefined,
  docs: () => undefined,
};
const rule = rules[kind];
if (!rule) {
  console.error(`${pkg.name}: unknown kind "${kind}"`);
  process.exit(1);
}
const builtins = new Set(builtinModules);
const problems = [];
const walk = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (/\.(ts|mts|js|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts')) check(p);
  }
};
const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"`]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;(=])import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[\s;])import\s*['"]([^'"]+)['"]/gm;
function check(file) {
  const text = fs.readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  const isSpec = /\.(spec|test-util)\.ts$/.test(file) || file.includes(`${path.sep}test${path.sep}`);
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec || spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec)) continue;
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    const where = path.relative(root, file);
    const broken = rule(name, isSpec);
    if (broken) problems.push(`${where}: imports ${spec}: ${broken}`);
    if (name !== pkg.name && !declared.has(name) && !(isSpec && rootDev.has(name))) {
      problems.push(`${where}: imports ${spec}, which ${pkg.name}'s package.json does not declare`);
    }
  }
}
for (const dir of ['src', 'bin']) if (fs.existsSync(path.join(root, dir))) walk(path.join(root, dir));
if (problems.length) {
  console.error(`${pkg.name} breaks module boundaries:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`${pkg.name}: module boundaries ok (${kind})`);
