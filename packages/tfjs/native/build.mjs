#!/usr/bin/env node
// Builds the optional native kernels (autonas_native.cc) into build/autonas_native.node with g++
// and the N-API headers that ship with Node. Run by this package's install script: it never
// fails the install. Without the addon the runtime uses the wasm kernels (and says so once).
//
//   node native/build.mjs            # the install script; exit code 0 whatever happens
//   node native/build.mjs --strict   # exit code 1 when the build fails (CI, `npm run build:native`)
//
// Why not node-gyp: it downloads Node's headers from nodejs.org unless told where they are, and
// the machines this runs on may have no internet; Node installs its headers (include/node) itself.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const strict = process.argv.includes('--strict');
const source = path.join(here, 'autonas_native.cc');
const out = path.join(here, 'build', 'autonas_native.node');

function done(ok, message) {
  console.log(`autonas native kernels: ${message}`);
  process.exit(ok || !strict ? 0 : 1);
}

if (process.env.AUTONAS_NATIVE === '0') done(true, 'not built (AUTONAS_NATIVE=0)');
if (process.platform !== 'linux') done(false, `not built (${process.platform}: only Linux is supported; the wasm kernels are used)`);
const candidates = [
  process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include', 'node'),
  path.join(path.dirname(process.execPath), '..', 'include', 'node'),
  '/usr/include/node',
  '/usr/local/include/node',
].filter(Boolean);
const include = candidates.find((dir) => fs.existsSync(path.join(dir, 'node_api.h')));
if (include === undefined) done(false, `not built (no node_api.h in ${candidates.join(', ')}; the wasm kernels are used)`);
const cxx = process.env.CXX || 'g++';
const args = [
  '-O3',
  process.env.AUTONAS_NATIVE_MARCH ? `-march=${process.env.AUTONAS_NATIVE_MARCH}` : '-march=native',
  '-std=c++17',
  '-shared',
  '-fPIC',
  '-pthread',
  '-fvisibility=hidden',
  '-DNODE_GYP_MODULE_NAME=autonas_native',
  `-I${include}`,
  source,
  '-o',
  `${out}.tmp`,
];
fs.mkdirSync(path.dirname(out), { recursive: true });
const started = Date.now();
const result = spawnSync(cxx, args, { encoding: 'utf8' });
if (result.error !== undefined || result.status !== 0) {
  fs.rmSync(`${out}.tmp`, { force: true });
  const why = result.error?.message ?? (result.stderr || '').trim().split('\n').slice(0, 5).join(' | ');
  done(false, `build failed (${cxx}: ${why}); the wasm kernels are used`);
}
fs.renameSync(`${out}.tmp`, out);
done(true, `built ${path.relative(process.cwd(), out)} in ${((Date.now() - started) / 1000).toFixed(1)} s (${cxx} ${args[1]})`);
