#!/usr/bin/env node
// Module-boundary check for one workspace project, run as its `lint` target from its folder:
// `node ../../tools/lint/boundaries.mjs .` (the project's folder is the argument). It reads the
// project's `src/` and `bin/` (.ts, .mts, .js, .mjs; not .d.ts) and the package.json files of the
// workspace (the nearest folder above with a package.json that has `workspaces`).
//
// Rules (HOUSE_STYLE.md, "Layout and boundaries"):
// - layers, from the nx tag `kind:...` of each package.json, bottom to top:
//     core < data < runtime (@autonas/tfjs) < testing < plugin < facade (the `autonas` task layer) < app < docs
//   A file may import a workspace package of its own layer or of one below, never one above
//   (docs may import anything; nothing may import docs). Imports within one layer are held by
//   the kind rules below and by the cycle rule.
// - kind rules: the core imports no other workspace package and never TensorFlow.js; only the
//   runtime imports @tensorflow/*; plugins never import each other or the facade, and import
//   @autonas/testing from tests only;
// - every bare import is declared in the project's package.json (tests may use the root's
//   devDependencies);
// - a relative import stays inside the project;
// - no import cycles, printed as a → b → c → a:
//   - between the source files of the project (relative imports, `./x.js` resolving to `x.ts`);
//   - between workspace packages, through this project: the graph of dependencies,
//     devDependencies and peerDependencies on workspace packages, plus every workspace package a
//     source file actually imports.
//   Type-only imports count. They are erased at run time, so a cycle of them does not break
//   module loading; but with `verbatimModuleSyntax` off TypeScript also erases any plain import
//   that is only used as a type, so the text alone cannot tell which cycles survive at run time,
//   and the house style asks for no cycles at all. A shared type has a home both sides can import
//   (for example a small `io.ts`). Cycle edges made only of `import type`/`export type` are
//   marked "(type)" in the message; dynamic `import('./x.js')` counts like a static import.
import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The layers, bottom first; a kind's index is its layer. */
export const LAYERS = ['core', 'data', 'runtime', 'testing', 'plugin', 'facade', 'app', 'docs'];
const ANY = new Set(['docs']);
const PLUGIN = /^@autonas\/(space|strategy|estimator|middleware|runner|store|benchmark)-/;
const SOURCE = /\.(ts|mts|js|mjs)$/;
// import ... from 'x' | export ... from 'x' (group 1: `type`, group 2: the specifier),
// import('x') (group 3), import 'x' (group 4).
const IMPORT =
  /(?:^|[\s;])(?:import|export)\s+(type\s)?[^'"`;=()]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;(=<!])import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[\s;])import\s*['"]([^'"]+)['"]/gm;

const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
const kindOf = (pkg) => (pkg.nx?.tags ?? []).find((t) => t.startsWith('kind:'))?.slice(5);
const packageName = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
const article = (w) => `${/^[aeiou]/.test(w) ? 'an' : 'a'} ${w}`;
const slash = (p) => p.split(path.sep).join('/');

/** The nearest folder at or above `dir` whose package.json has `workspaces`. */
function findWorkspaceRoot(dir) {
  for (let d = dir; ; d = path.dirname(d)) {
    const file = path.join(d, 'package.json');
    if (fs.existsSync(file) && readJson(file).workspaces) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

/** The workspace's packages by name: folder and package.json (workspace globs `dir/*` or `dir`). */
function workspacePackages(wsRoot) {
  const ws = readJson(path.join(wsRoot, 'package.json')).workspaces;
  const patterns = Array.isArray(ws) ? ws : ws.packages ?? [];
  const out = new Map();
  for (const pattern of patterns) {
    const dirs = pattern.endsWith('/*')
      ? fs.existsSync(path.join(wsRoot, pattern.slice(0, -2)))
        ? fs.readdirSync(path.join(wsRoot, pattern.slice(0, -2)), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(wsRoot, pattern.slice(0, -2), e.name))
        : []
      : [path.join(wsRoot, pattern)];
    for (const dir of dirs) {
      if (!fs.existsSync(path.join(dir, 'package.json'))) continue;
      const pkg = readJson(path.join(dir, 'package.json'));
      out.set(pkg.name, { dir, pkg, kind: kindOf(pkg) });
    }
  }
  return out;
}

/** The source files of a project's src/ and bin/. */
function sourceFiles(root) {
  const files = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (SOURCE.test(e.name) && !e.name.endsWith('.d.ts')) files.push(p);
    }
  };
  for (const dir of ['src', 'bin']) if (fs.existsSync(path.join(root, dir))) walk(path.join(root, dir));
  return files.sort();
}

/** Names a file binds by value imports from plugin packages (`import { A, B as C } from '@autonas/strategy-x'`), by local name → package. */
function pluginBindings(text) {
  const out = new Map();
  for (const m of text.matchAll(/import\s+(?!type\b)(?:(\w+)\s*,?\s*)?(?:\{([^}]*)\})?\s*from\s*['"]([^'"]+)['"]/g)) {
    const from = packageName(m[3]);
    if (!PLUGIN.test(from)) continue;
    if (m[1]) out.set(m[1], from);
    for (const part of (m[2] ?? '').split(',')) {
      const t = part.trim();
      if (!t || t.startsWith('type ')) continue;
      const [, local] = t.match(/(?:\w+\s+as\s+)?(\w+)$/) ?? [];
      if (local) out.set(local, from);
    }
  }
  return out;
}

/** The imports of a file: specifier, whether `import type`/`export type`. Fenced code (TSDoc examples) is skipped. */
function importsOf(file) {
  const text = fs.readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return [...text.matchAll(IMPORT)].map((m) => ({ spec: m[2] ?? m[3] ?? m[4], typeOnly: m[1] !== undefined })).filter((i) => i.spec);
}

/** The file a relative specifier names (`./x.js` → x.ts, as NodeNext resolution), if it is one of `known`. */
function resolveRelative(from, spec, known) {
  const base = path.resolve(path.dirname(from), spec);
  const stem = base.replace(/\.(m|c)?js$/, '');
  const candidates = /\.(m|c)?js$/.test(base)
    ? [`${stem}.ts`, `${stem}.tsx`, `${stem}.${base.endsWith('.mjs') ? 'mts' : 'cts'}`, base]
    : [base, `${base}.ts`, path.join(base, 'index.ts')];
  return candidates.find((c) => known.has(c));
}

/**
 * Strongly connected components of a graph (Map node → Map successor → label), Tarjan's
 * algorithm; each component of more than one node, or with a self-loop, is one cycle group.
 */
function cycleGroups(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const groups = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const group = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1 || graph.get(v)?.has(v)) groups.push(group.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return groups;
}

/** One shortest cycle through `start` inside `group`, as the list of its nodes (first = last). */
function cycleThrough(graph, group, start) {
  const inGroup = new Set(group);
  const prev = new Map([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of [...(graph.get(v)?.keys() ?? [])].sort()) {
      if (!inGroup.has(w)) continue;
      if (w === start) {
        const pathBack = [start];
        for (let u = v; u !== null; u = prev.get(u)) pathBack.push(u);
        return pathBack.reverse();
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/** `a → b (label) → a`: each arrow carries the label of its edge, when it has one. */
function formatCycle(graph, cycle, name = (x) => x) {
  let out = name(cycle[0]);
  for (let i = 1; i < cycle.length; i++) {
    const label = graph.get(cycle[i - 1]).get(cycle[i]);
    out += ` → ${name(cycle[i])}${label ? ` (${label})` : ''}`;
  }
  return out;
}

/** Every problem of the project in `root`, as lines `file: imports X: rule`. */
export function checkProject(root) {
  const problems = [];
  const pkg = readJson(path.join(root, 'package.json'));
  const kind = kindOf(pkg);
  if (!kind) return [`package.json has no nx tag "kind:..."`];
  if (!LAYERS.includes(kind)) return [`unknown kind "${kind}" (the layers are ${LAYERS.join(' < ')})`];
  const wsRoot = findWorkspaceRoot(path.dirname(root)) ?? findWorkspaceRoot(root);
  const rootPkg = wsRoot ? readJson(path.join(wsRoot, 'package.json')) : {};
  const packages = wsRoot ? workspacePackages(wsRoot) : new Map();
  const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]);
  const rootDev = new Set(Object.keys(rootPkg.devDependencies ?? {}));
  /** @type {Record<string, (spec: string, isSpec: boolean) => string | undefined>} */
  const kindRules = {
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
  const layerRule = (name) => {
    const other = packages.get(name);
    if (!other || name === pkg.name || ANY.has(kind) || !LAYERS.includes(other.kind)) return undefined;
    return LAYERS.indexOf(other.kind) > LAYERS.indexOf(kind)
      ? `layer rule: ${article(kind)} package (layer ${LAYERS.indexOf(kind)}) never imports ${article(other.kind)} package (layer ${LAYERS.indexOf(other.kind)}), a layer above it; layers: ${LAYERS.join(' < ')}`
      : undefined;
  };

  const builtins = new Set(builtinModules);
  const files = sourceFiles(root);
  const known = new Set(files);
  const rel = (f) => slash(path.relative(root, f));
  /** File graph: file → (imported file → label). */
  const fileGraph = new Map(files.map((f) => [f, new Map()]));
  /** Workspace packages this project's sources import, with the first file that does. */
  const usedPackages = new Map();
  for (const file of files) {
    const where = rel(file);
    const isSpec = /\.(spec|test-util)\.ts$/.test(file) || file.includes(`${path.sep}test${path.sep}`);
    for (const { spec, typeOnly } of importsOf(file)) {
      if (spec.startsWith('.')) {
        const target = resolveRelative(file, spec, known);
        const resolved = path.resolve(path.dirname(file), spec);
        if (path.relative(root, resolved).startsWith('..')) problems.push(`${where}: imports ${spec}: a relative import stays inside the project (import the other package by name)`);
        if (target) {
          const edges = fileGraph.get(file);
          // an edge is "type" only if every import of that file from this one is type-only
          edges.set(target, edges.has(target) ? (edges.get(target) && typeOnly ? 'type' : '') : typeOnly ? 'type' : '');
        }
        continue;
      }
      if (spec.startsWith('node:') || builtins.has(spec)) continue;
      const name = packageName(spec);
      for (const broken of [kindRules[kind](name, isSpec), layerRule(name)]) if (broken) problems.push(`${where}: imports ${spec}: ${broken}`);
      if (name !== pkg.name && !declared.has(name) && !(isSpec && rootDev.has(name))) {
        problems.push(`${where}: imports ${spec}, which ${pkg.name}'s package.json does not declare`);
      }
      if (packages.has(name) && name !== pkg.name && !usedPackages.has(name)) usedPackages.set(name, where);
    }
  }

  // Capabilities, not type checks: no `instanceof` on a class imported from a plugin package other than this one.
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
    const bound = pluginBindings(text);
    for (const m of text.matchAll(/\binstanceof\s+(\w+)/g)) {
      const from = bound.get(m[1]);
      if (from && from !== pkg.name) problems.push(`${rel(file)}: instanceof ${m[1]} (from ${from}): code outside a plugin's package never tests its classes; use what the plugin declares (its name, capabilities or an optional method)`);
    }
  }

  for (const group of cycleGroups(fileGraph)) {
    const cycle = cycleThrough(fileGraph, group, group[0]);
    const more = group.length > cycle.length - 1 ? ` (${group.length} files in this cycle group: ${group.map(rel).join(', ')})` : '';
    problems.push(`import cycle between files: ${formatCycle(fileGraph, cycle, rel)}${more}`);
  }

  // Package graph: declared workspace dependencies of every package, plus the workspace packages
  // each one's sources import. Only the cycles through this package are reported here; the other
  // members of a cycle report it in their own lint.
  const pkgGraph = new Map();
  for (const [name, other] of packages) {
    const edges = new Map();
    for (const field of ['dependencies', 'devDependencies', 'peerDependencies']) {
      for (const dep of Object.keys(other.pkg[field] ?? {})) if (packages.has(dep) && dep !== name && !edges.has(dep)) edges.set(dep, `package.json ${field}`);
    }
    const used = name === pkg.name ? usedPackages : new Map();
    if (name !== pkg.name) {
      for (const file of sourceFiles(other.dir)) {
        for (const { spec } of importsOf(file)) {
          const dep = spec.startsWith('.') || spec.startsWith('node:') ? undefined : packageName(spec);
          if (dep && packages.has(dep) && dep !== name && !used.has(dep)) used.set(dep, slash(path.relative(other.dir, file)));
        }
      }
    }
    for (const [dep, file] of used) if (!edges.has(dep)) edges.set(dep, `imported in ${file}`);
    pkgGraph.set(name, edges);
  }
  for (const group of cycleGroups(pkgGraph)) {
    if (!group.includes(pkg.name)) continue;
    problems.push(`import cycle between packages: ${formatCycle(pkgGraph, cycleThrough(pkgGraph, group, pkg.name))}`);
  }
  return problems;
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const root = path.resolve(process.argv[2] ?? '.');
  const pkg = readJson(path.join(root, 'package.json'));
  const problems = checkProject(root);
  if (problems.length) {
    console.error(`${pkg.name} breaks module boundaries:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`${pkg.name}: module boundaries ok (${kindOf(pkg)}: layer ${LAYERS.indexOf(kindOf(pkg))} of ${LAYERS.join(' < ')}; no import cycles)`);
}
