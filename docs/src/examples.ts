import fs from 'node:fs';
import path from 'node:path';

/** One fenced TypeScript example. */
export interface Example {
  /** Page or source file it comes from. */
  readonly source: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly code: string;
  /** False for blocks fenced as ```ts no-run (type-checked only). */
  readonly run: boolean;
}

const FENCE = /^([ \t]*(?:\*[ \t]?)?)```(ts|typescript)([^\n]*)\n([\s\S]*?)^\1```/gm;

/** The ```ts blocks of a Markdown page (or of TSDoc comments, whose `* ` prefixes are removed). */
export function extractExamples(text: string, source: string, runByDefault = true): Example[] {
  const out: Example[] = [];
  for (const m of text.matchAll(FENCE)) {
    const prefix = m[1]!;
    const flags = m[3]!.trim();
    const line = text.slice(0, m.index).split('\n').length;
    out.push({ source, line, code: prefix.includes('*') ? stripStars(m[4]!) : m[4]!, run: runByDefault && !flags.includes('no-run') });
  }
  return out;
}

function stripStars(block: string): string {
  return block.split('\n').map((l) => l.replace(/^[ \t]*\* ?/, '')).join('\n');
}

/** Markdown pages of the docs site, in a stable order. */
export function docPages(docsRoot: string): string[] {
  const dir = path.join(docsRoot, 'pages');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.md')).sort().map((f) => path.join(dir, f));
}

/** Non-test TypeScript sources of every workspace package, plugin and app. */
export function sourceFiles(workspaceRoot: string): string[] {
  const files: string[] = [];
  for (const group of ['packages', 'plugins', 'apps']) {
    const g = path.join(workspaceRoot, group);
    if (!fs.existsSync(g)) continue;
    for (const project of fs.readdirSync(g)) {
      const src = path.join(g, project, 'src');
      if (!fs.existsSync(src)) continue;
      const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          const p = path.join(d, e.name);
          if (e.isDirectory()) walk(p);
          else if (e.name.endsWith('.ts') && !/\.(spec|test-util|d)\.ts$/.test(e.name)) files.push(p);
        }
      };
      walk(src);
    }
  }
  return files.sort();
}
