import { ConfigurationError } from '@autonas/core';
import { checkGenotype, type Genotype } from './genotype.js';

const label = (state: number) => (state === 0 ? 'c_{k-2}' : state === 1 ? 'c_{k-1}' : String(state - 2));
const plain = (state: number) => (state === 0 ? 'c[k-2]' : state === 1 ? 'c[k-1]' : String(state - 2));

function cellOf(g: Genotype, kind: 'normal' | 'reduce') {
  if (kind !== 'normal' && kind !== 'reduce') throw new ConfigurationError('BAD_OPTION', `cell kind must be 'normal' or 'reduce', got ${JSON.stringify(kind)}`);
  checkGenotype(g);
  const edges = g[kind].map(([op, from], i) => ({ op, from, to: 2 + Math.floor(i / 2) })).filter((e) => e.op !== 'none');
  return { edges, steps: g[kind].length / 2, concat: g[`${kind}_concat`] };
}

/**
 * A Graphviz DOT picture of one cell of a genotype, drawn as DARTS' `visualize.py` draws it: the
 * two cell inputs, the intermediate nodes, each edge labelled with its op (`none` edges left out),
 * and the concatenated output `c_{k}`. Render with `dot -Tsvg`.
 *
 * @example
 * ```ts
 * import { DARTS_V2, genotypeToDot } from '@autonas/space-cell';
 * console.log(genotypeToDot(DARTS_V2, 'normal'));
 * ```
 */
export function genotypeToDot(genotype: Genotype, kind: 'normal' | 'reduce'): string {
  const { edges, steps, concat } = cellOf(genotype, kind);
  const lines = [`digraph ${kind} {`, '  rankdir=LR;', '  node [style=filled, shape=rect, align=center, fontname=helvetica];', '  edge [fontname=times];'];
  lines.push(`  "c_{k-2}" [fillcolor=darkseagreen2];`, `  "c_{k-1}" [fillcolor=darkseagreen2];`);
  for (let i = 0; i < steps; i++) lines.push(`  "${i}" [fillcolor=lightblue];`);
  lines.push(`  "c_{k}" [fillcolor=palegoldenrod];`);
  for (const e of edges) lines.push(`  "${label(e.from)}" -> "${label(e.to)}" [label="${e.op}", fillcolor=gray];`);
  for (const s of concat) lines.push(`  "${label(s)}" -> "c_{k}" [fillcolor=gray];`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * An SVG picture of one cell of a genotype (no Graphviz needed): the inputs on the left, the
 * intermediate nodes in order, the concatenated output on the right, each edge labelled with its
 * op (`none` edges left out).
 *
 * @example
 * ```ts
 * import { DARTS_V2, genotypeToSvg } from '@autonas/space-cell';
 * const svg = genotypeToSvg(DARTS_V2, 'reduce'); // '<svg xmlns=...'
 * ```
 */
export function genotypeToSvg(genotype: Genotype, kind: 'normal' | 'reduce'): string {
  const { edges, steps, concat } = cellOf(genotype, kind);
  const dx = 150, rise = 120, mid = 170;
  const pos = (s: number): [number, number] => (s === 0 ? [60, mid - rise] : s === 1 ? [60, mid + rise] : [230 + (s - 2) * dx, mid]);
  const out: [number, number] = [230 + steps * dx + 30, mid];
  const width = out[0] + 60, height = 2 * mid;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${kind} cell</title>`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>',
  ];
  const labels: string[] = [];
  /** A quadratic curve from a to b through control point c, labelled at parameter t. */
  const curve = (a: [number, number], b: [number, number], c: [number, number], text?: string, t = 0.5) => {
    parts.push(`<path d="M ${a[0]} ${a[1]} Q ${c[0]} ${c[1]} ${b[0]} ${b[1]}" fill="none" stroke="#555" marker-end="url(#arrow)"/>`);
    if (text) {
      const at = (i: 0 | 1) => (1 - t) ** 2 * a[i] + 2 * (1 - t) * t * c[i] + t * t * b[i];
      labels.push(`<text x="${at(0).toFixed(1)}" y="${(at(1) + 4).toFixed(1)}" text-anchor="middle" fill="#222" stroke="#fff" stroke-width="4" paint-order="stroke">${esc(text)}</text>`);
    }
  };
  for (const e of edges) {
    const [a, b] = [pos(e.from), pos(e.to)];
    if (e.from < 2) {
      const side = e.from === 0 ? -1 : 1;
      curve([a[0] + 36, a[1]], [b[0], b[1] + side * 14], [b[0], a[1]], e.op, 0.7);
    } else if (e.to === e.from + 1) {
      curve([a[0] + 36, a[1]], [b[0] - 36, b[1]], [(a[0] + b[0]) / 2, a[1]], e.op, 0.5);
    } else {
      const h = 36 + 18 * (e.to - e.from);
      curve([a[0] + 20, a[1] - 14], [b[0] - 20, b[1] - 14], [(a[0] + b[0]) / 2, a[1] - 14 - 2 * h], e.op, 0.5);
    }
  }
  for (const s of concat) {
    const a = pos(s);
    if (s === steps + 1) curve([a[0] + 36, a[1]], [out[0] - 36, out[1]], [(a[0] + out[0]) / 2, a[1]]);
    else curve([a[0] + 10, a[1] + 14], [out[0] - 20, out[1] + 14], [(a[0] + out[0]) / 2, a[1] + 14 + 24 + 20 * (steps + 1 - s)]);
  }
  parts.push(...labels);
  const box = ([x, y]: [number, number], text: string, fill: string) =>
    parts.push(`<rect x="${x - 36}" y="${y - 14}" width="72" height="28" rx="4" fill="${fill}" stroke="#333"/><text x="${x}" y="${y + 4}" text-anchor="middle">${esc(text)}</text>`);
  box(pos(0), plain(0), '#c1ffc1');
  box(pos(1), plain(1), '#c1ffc1');
  for (let s = 2; s < steps + 2; s++) box(pos(s), plain(s), '#add8e6');
  box(out, 'c[k]', '#eee8aa');
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
