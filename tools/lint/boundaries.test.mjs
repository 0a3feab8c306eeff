// Tests of boundaries.mjs on the workspaces under fixtures/: it runs the script as the lint
// targets do (one process per project) and checks its exit code and what it names.
// Run: node --test tools/lint/boundaries.test.mjs (the lint target of tools/lint/project.json).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const lint = (project) => {
  const r = spawnSync(process.execPath, [path.join(here, 'boundaries.mjs'), '.'], { cwd: path.join(here, 'fixtures', project), encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

test('a clean workspace passes: imports only down the layers, a type import, a dynamic import, no cycles', () => {
  for (const project of ['clean/packages/core', 'clean/packages/data', 'clean/packages/app']) {
    const r = lint(project);
    assert.equal(r.code, 0, `${project}: ${r.err}`);
    assert.match(r.out, /module boundaries ok/);
  }
});

test('a package importing one of a layer above fails, naming file, import and rule', () => {
  const data = lint('upward/packages/data');
  assert.equal(data.code, 1);
  assert.match(data.err, /@autonas\/data breaks module boundaries/);
  assert.match(data.err, /src\/load\.ts: imports @autonas\/tfjs: layer rule: a data package \(layer 1\) never imports a runtime package \(layer 2\)/);
  const facade = lint('upward/packages/autonas');
  assert.equal(facade.code, 1);
  assert.match(facade.err, /src\/index\.ts: imports @autonas\/cli: layer rule: a facade package \(layer 5\) never imports an app package \(layer 6\)/);
  // the packages they import break nothing themselves
  assert.equal(lint('upward/packages/tfjs').code, 0);
  assert.equal(lint('upward/packages/cli').code, 0);
});

test('an import cycle between files fails and is printed a → b → c → a, type-only edges marked', () => {
  const r = lint('cycles/apps/one');
  assert.equal(r.code, 1);
  assert.match(r.err, /import cycle between files: src\/a\.ts → src\/b\.ts → src\/c\.ts → src\/a\.ts \(type\)/);
});

test('an import cycle between packages fails in each package on it, from package.json deps and actual imports', () => {
  const one = lint('cycles/apps/one');
  assert.match(one.err, /import cycle between packages: @autonas\/one → @autonas\/two \(package\.json dependencies\) → @autonas\/one \(imported in src\/index\.ts\)/);
  const two = lint('cycles/apps/two');
  assert.equal(two.code, 1);
  assert.match(two.err, /import cycle between packages: @autonas\/two → @autonas\/one \(imported in src\/index\.ts\) → @autonas\/two \(package\.json dependencies\)/);
  assert.match(two.err, /src\/index\.ts: imports @autonas\/one, which @autonas\/two's package\.json does not declare/);
});

test('instanceof on a class imported from a plugin package fails outside that package, and passes inside it', () => {
  const facade = lint('instanceof/packages/autonas');
  assert.equal(facade.code, 1);
  assert.match(facade.err, /src\/index\.ts: instanceof Renamed \(from @autonas\/strategy-x\): code outside a plugin's package never tests its classes/);
  assert.equal(lint('instanceof/plugins/strategy-x').code, 0);
});
