import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { docPages, extractExamples, sourceFiles, type Example } from './examples.js';

const docsRoot = path.resolve(import.meta.dirname, '..');
const workspaceRoot = path.resolve(docsRoot, '..');
const outDir = path.join(docsRoot, '.examples');

const pageExamples = docPages(docsRoot).flatMap((p) => extractExamples(fs.readFileSync(p, 'utf8'), path.relative(docsRoot, p)));
const apiExamples = sourceFiles(workspaceRoot).flatMap((f) => extractExamples(fs.readFileSync(f, 'utf8'), path.relative(workspaceRoot, f), false));

function fileFor(e: Example, i: number): string {
  return path.join(outDir, `${e.source.replace(/[^A-Za-z0-9]+/g, '_')}_L${e.line}_${i}.ts`);
}

/** Type-checks examples as ES modules against the built packages (what a user's editor would see). */
function typeCheck(examples: Example[]): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const files = examples.map((e, i) => {
    const f = fileFor(e, i);
    // `export {}` makes every example a module, so top-level await and local names are allowed.
    fs.writeFileSync(f, `${e.code}\nexport {};\n`);
    return f;
  });
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    experimentalDecorators: true,
    types: ['node'],
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const idx = d.file ? files.indexOf(d.file.fileName) : -1;
    const where = idx >= 0 ? `${examples[idx]!.source}:${examples[idx]!.line}` : d.file?.fileName ?? '?';
    return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('docs examples', () => {
  it('finds examples in the pages and in the TSDoc of the sources', () => {
    expect(pageExamples.length).toBeGreaterThanOrEqual(5);
    expect(apiExamples.length).toBeGreaterThanOrEqual(30);
  });

  it('type-check: every docs page example and every TSDoc @example compiles', () => {
    expect(typeCheck([...pageExamples, ...apiExamples])).toEqual([]);
  });

  for (const [i, e] of pageExamples.entries()) {
    if (!e.run) continue;
    it(`runs ${e.source}:${e.line}`, async () => {
      const file = fileFor(e, i);
      if (!fs.existsSync(file)) fs.writeFileSync(file, `${e.code}\nexport {};\n`);
      await import(/* @vite-ignore */ file);
    }, 300_000);
  }
});
