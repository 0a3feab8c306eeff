// Module hooks of register.mjs (run on Node's loader thread).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Transpiled files are cached by content, so a warm start does not even load TypeScript.
const cacheDir = path.resolve(fileURLToPath(import.meta.url), '../../../node_modules/.cache/autonas-run-ts');
let ts;
const compilerOptions = () => ({
  module: ts.ModuleKind.ESNext,
  target: ts.ScriptTarget.ES2022,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  inlineSourceMap: true,
  isolatedModules: true,
});

export async function resolve(specifier, context, next) {
  const conditions = context.conditions.includes('@autonas/source') ? context.conditions : ['@autonas/source', ...context.conditions];
  try {
    return await next(specifier, { ...context, conditions });
  } catch (e) {
    if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
      return next(specifier.slice(0, -3) + '.ts', { ...context, conditions });
    }
    throw e;
  }
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts') || url.endsWith('.d.ts')) return next(url, context);
  const file = fileURLToPath(url);
  const source = fs.readFileSync(file, 'utf8');
  const key = crypto.createHash('sha256').update(file).update('\0').update(source).digest('hex').slice(0, 32);
  const cached = path.join(cacheDir, `${key}.js`);
  try {
    return { format: 'module', source: fs.readFileSync(cached, 'utf8'), shortCircuit: true };
  } catch {
    // not cached yet
  }
  ts ??= (await import('typescript')).default;
  const out = ts.transpileModule(source, { compilerOptions: compilerOptions(), fileName: file }).outputText;
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, out);
    fs.renameSync(tmp, cached);
  } catch {
    // a read-only tree just goes without the cache
  }
  return { format: 'module', source: out, shortCircuit: true };
}
