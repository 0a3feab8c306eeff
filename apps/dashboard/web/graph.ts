import dagre, { type NodeLabel } from '@dagrejs/dagre';
import type { NodeView } from '../src/view.js';
import { fill, svg } from './dom.js';

const CHAR_W = 6.8;
const LINE_H = 14;

/** Fill colour of a node by the kind of its op. */
function colourOf(op: string): string {
  if (op === 'input' || op === 'classifier' || op === 'output') return '#e8ebf0';
  if (/conv/.test(op)) return '#dbe7fb';
  if (/pool/.test(op)) return '#dcf1e1';
  if (/dense|linear|flatten|global/.test(op)) return '#fde9d2';
  if (/add|concat|sum|average|multiply/.test(op)) return '#eadff7';
  if (/skip|identity|none|zero/.test(op)) return '#f3f3f3';
  return '#f7f1d9';
}

/** Parameters at their usual value, left out of a node's label (as the one-line summaries leave them out). */
const USUAL = new Set(['padding=same', 'activation=linear', 'strides=1', 'useBias=true', 'useBias=false']);

/**
 * Draws an architecture as a layered graph laid out by dagre (top to bottom): a chain network as
 * a column, a cell with its branches side by side. Labels are SVG text nodes.
 * @returns the number of nodes drawn
 */
export function drawArchitecture(target: HTMLElement, nodes: readonly NodeView[]): number {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 18, ranksep: 26, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const known = new Set(nodes.map((n) => n.id));
  for (const n of nodes) {
    const lines = [n.op, ...wrap(n.params.filter((p) => !USUAL.has(p)).join(' '), 34)];
    const width = Math.max(...lines.map((l) => l.length)) * CHAR_W + 16;
    g.setNode(n.id, { width, height: lines.length * LINE_H + 10, lines, op: n.op } as NodeLabel);
  }
  for (const n of nodes) for (const i of n.inputs) if (known.has(i)) g.setEdge(i, n.id);
  dagre.layout(g);
  const { width = 0, height = 0 } = g.graph();
  const root = svg('svg', { width: Math.ceil(width), height: Math.ceil(height), viewBox: `0 0 ${Math.ceil(width)} ${Math.ceil(height)}`, 'data-nodes': nodes.length, role: 'img' });
  root.append(svg('defs', {}, svg('marker', { id: 'arrow', viewBox: '0 0 8 8', refX: 7, refY: 4, markerWidth: 7, markerHeight: 7, orient: 'auto' }, svg('path', { d: 'M0,0 L8,4 L0,8 z', class: 'arrow' }))));
  for (const e of g.edges()) {
    const pts = (g.edge(e) as { points?: { x: number; y: number }[] }).points ?? [];
    if (pts.length) root.append(svg('path', { class: 'edge', d: pts.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' '), 'marker-end': 'url(#arrow)' }));
  }
  for (const id of g.nodes()) {
    const n = g.node(id) as NodeLabel & { x: number; y: number; width: number; height: number; lines: string[]; op: string };
    const x = n.x - n.width / 2;
    const y = n.y - n.height / 2;
    const group = svg('g', { class: 'node' }, svg('title', {}, id), svg('rect', { x, y, width: n.width, height: n.height, rx: 5, fill: colourOf(n.op) }));
    n.lines.forEach((line, i) => group.append(svg('text', { x: n.x, y: y + 5 + LINE_H * (i + 0.8), 'text-anchor': 'middle', class: i === 0 ? 'op' : 'params' }, line)));
    root.append(group);
  }
  fill(target, root);
  return nodes.length;
}

/** Splits text at spaces into lines of at most `width` characters (longer words stay whole). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
