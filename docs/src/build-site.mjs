// Renders docs/pages/*.md into a static site in docs/dist (one HTML page each, plus an index).
import fs from 'node:fs';
import path from 'node:path';
import { marked } from 'marked';

const root = path.resolve(import.meta.dirname, '..');
const pages = fs.readdirSync(path.join(root, 'pages')).filter((f) => f.endsWith('.md')).sort();
const out = path.join(root, 'dist');
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const titleOf = (md) => (md.match(/^#\s+(.+)$/m)?.[1] ?? 'autonas').trim();
const nav = pages.map((p) => `<li><a href="${p.replace(/\.md$/, '.html')}">${titleOf(fs.readFileSync(path.join(root, 'pages', p), 'utf8'))}</a></li>`).join('');
const css = 'img{max-width:100%;border:1px solid #ccc}body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem;display:flex;gap:2rem}nav{min-width:12rem}pre{background:#f4f4f4;padding:.75rem;overflow:auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem}';
for (const p of pages) {
  const md = fs.readFileSync(path.join(root, 'pages', p), 'utf8').replace(/\.md\)/g, '.html)');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${titleOf(md)} · autonas</title><style>${css}</style></head><body><nav><ul>${nav}</ul></nav><main>${marked.parse(md)}</main></body></html>`;
  fs.writeFileSync(path.join(out, p.replace(/\.md$/, '.html')), html);
}
fs.copyFileSync(path.join(out, pages[0].replace(/\.md$/, '.html')), path.join(out, 'index.html'));
// Images the pages show (the dashboard's screenshot) sit beside them.
for (const f of fs.readdirSync(path.join(root, 'pages')).filter((f) => /\.(png|svg|jpg)$/.test(f))) fs.copyFileSync(path.join(root, 'pages', f), path.join(out, f));
console.log(`docs: ${pages.length} pages written to ${path.relative(process.cwd(), out) || '.'}`);
