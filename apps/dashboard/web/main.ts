import type { ExperimentListView, ExperimentView, TrialView } from '../src/view.js';
import { PALETTE, drawChart } from './charts.js';
import { byId, el, fill, int, pct, secs } from './dom.js';
import { drawArchitecture } from './graph.js';
import './style.css';

/** One column of the trials table: its sort value and its cell. */
interface Column {
  readonly key: string;
  readonly label: string;
  readonly value: (t: TrialView) => number | string | undefined;
  readonly text: (t: TrialView) => string;
  readonly cls?: string;
  readonly title?: (t: TrialView) => string;
}

const shortName = (k: string) => k.split('/').slice(-2).join('/');
/** Decision names whose values differ between the trials: the table shows those (all of them in the cell's tooltip). */
let varying = new Set<string>();
const decisionsText = (t: TrialView) =>
  Object.entries(t.decisions)
    .filter(([k]) => varying.size === 0 || varying.has(k))
    .map(([k, v]) => `${shortName(k)}=${String(v)}`)
    .join(' · ');
function varyingDecisions(trials: readonly TrialView[]): Set<string> {
  const values = new Map<string, Set<string>>();
  for (const t of trials) for (const [k, v] of Object.entries(t.decisions)) (values.get(k) ?? values.set(k, new Set()).get(k)!).add(String(v));
  return new Set([...values].filter(([k, vs]) => vs.size > 1 || trials.some((t) => !(k in t.decisions))).map(([k]) => k));
}

const COLUMNS: readonly Column[] = [
  { key: 'id', label: '#', value: (t) => t.id, text: (t) => String(t.id + 1), cls: 'num' },
  { key: 'role', label: 'role', value: (t) => t.role, text: (t) => t.role },
  { key: 'status', label: 'status', value: (t) => t.status, text: (t) => `${t.status}${t.cached ? ' (cached)' : ''}` },
  { key: 'score', label: 'val. accuracy', value: (t) => t.score, text: (t) => pct(t.score), cls: 'num' },
  { key: 'params', label: 'parameters', value: (t) => t.params, text: (t) => int(t.params), cls: 'num' },
  { key: 'seconds', label: 'seconds', value: (t) => t.seconds, text: (t) => (t.seconds === undefined ? '—' : t.seconds.toFixed(1)), cls: 'num' },
  { key: 'fidelity', label: 'fidelity', value: (t) => t.fidelity, text: (t) => t.fidelity },
  { key: 'decisions', label: 'decisions (those that differ)', value: decisionsText, text: decisionsText, cls: 'decisions', title: (t) => Object.entries(t.decisions).map(([k, v]) => `${k} = ${String(v)}`).join('\n') },
  { key: 'summary', label: 'architecture', value: (t) => t.summary, text: (t) => t.summary, cls: 'arch' },
  { key: 'error', label: 'error', value: (t) => t.error, text: (t) => t.error ?? '', cls: 'error' },
];

const ui = {
  current: 0,
  view: undefined as ExperimentView | undefined,
  sort: { key: 'id', asc: true },
  selected: undefined as number | undefined,
  filter: '',
  status: '',
};

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { cache: 'no-store' });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** Trials the search proposed and finished with a score. */
const scoredSearch = (v: ExperimentView) => v.trials.filter((t) => t.role === 'search' && t.score !== undefined && t.status !== 'running' && t.status !== 'failed');

function renderHeader(v: ExperimentView): void {
  const state = byId('state');
  state.className = `badge ${v.state}`;
  state.textContent = v.state;
  const best = v.trials.find((t) => t.id === v.bestId);
  const running = v.trials.filter((t) => t.status === 'running').length;
  const parts = [
    v.strategy && `strategy ${v.strategy}`,
    `${v.trials.length} trial${v.trials.length === 1 ? '' : 's'}${running ? ` (${running} running)` : ''}`,
    best && `best ${pct(best.score)} (trial ${best.id + 1})`,
    v.baseline && `baseline ${pct(v.baseline.score)}`,
    v.test?.accuracy !== undefined && `test accuracy ${pct(v.test.accuracy)}`,
  ].filter(Boolean);
  byId('headline').textContent = parts.join(' · ');
  const problem = byId('problem');
  problem.hidden = !v.problem;
  problem.textContent = v.problem ?? '';
}

function renderBest(v: ExperimentView): void {
  const trials = scoredSearch(v);
  const t0 = Math.min(...v.trials.filter((t) => t.role === 'search').map((t) => t.startedAt));
  const byTime = [...trials].sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0));
  const running = (list: readonly TrialView[]) => {
    let best = -Infinity;
    return list.map((t) => (best = Math.max(best, t.score! * 100)));
  };
  const baseline = (n: number) => (v.baseline ? [{ label: 'baseline', values: Array(n).fill(v.baseline.score * 100), colour: '#c5221f', dash: [6, 4], marks: false }] : []);
  drawChart(byId('best-time'), {
    x: byTime.map((t) => ((t.endedAt ?? t.startedAt) - t0) / 1000),
    series: [{ label: 'best so far %', values: running(byTime), style: 'step' }, { label: 'trial %', values: byTime.map((t) => t.score! * 100), style: 'points', colour: '#9aa6b8' }, ...baseline(byTime.length)],
    xLabel: 'seconds since the first trial', yLabel: 'val. accuracy %', empty: 'no finished trial yet',
  });
  const byId_ = [...trials].sort((a, b) => a.id - b.id);
  drawChart(byId('best-trials'), {
    x: byId_.map((t) => t.id + 1),
    series: [{ label: 'best so far %', values: running(byId_), style: 'step' }, { label: 'trial %', values: byId_.map((t) => t.score! * 100), style: 'points', colour: '#9aa6b8' }, ...baseline(byId_.length)],
    xLabel: 'trial', yLabel: 'val. accuracy %', empty: 'no finished trial yet',
  });
}

/** Accuracy against a cost with the Pareto front (lower cost, higher accuracy) as a step line. */
function renderPareto(target: HTMLElement, v: ExperimentView, cost: (t: TrialView) => number | undefined, xLabel: string, xLog: boolean): void {
  const points = scoredSearch(v)
    .filter((t) => t.status === 'completed' && cost(t) !== undefined)
    .map((t) => ({ x: cost(t)!, y: t.score! * 100 }))
    .sort((a, b) => a.x - b.x || b.y - a.y);
  let top = -Infinity;
  const front = points.map((p) => (p.y > top ? (top = p.y) : null));
  target.dataset.points = String(points.length);
  target.dataset.front = String(front.filter((f) => f !== null).length);
  drawChart(target, {
    x: points.map((p) => p.x),
    series: [
      { label: 'trial', values: points.map((p) => p.y), style: 'points', colour: '#7d8aa0' },
      { label: 'Pareto front', values: front, style: 'step', colour: '#e8710a' },
      ...(v.baseline ? [{ label: 'baseline', values: points.map(() => v.baseline!.score * 100), colour: '#c5221f', dash: [6, 4], marks: false }] : []),
    ],
    xLabel, yLabel: 'val. accuracy %', xLog, empty: 'no completed trial yet',
  });
}

function planRow(label: string, planned: string, spent: string, ratio?: number): HTMLTableRowElement {
  const bar = el('div', { class: 'bar' });
  if (ratio !== undefined && Number.isFinite(ratio)) {
    const inner = el('div', { class: ratio > 1 ? 'over' : '' });
    inner.style.width = `${Math.min(100, ratio * 100).toFixed(0)}%`;
    bar.append(inner);
  }
  return el('tr', {}, el('td', {}, label), el('td', { class: 'num' }, planned), el('td', { class: 'num' }, spent), el('td', {}, ratio === undefined ? '' : bar));
}

function renderPlan(v: ExperimentView): void {
  const { planned, spent } = v.plan;
  const rows = [
    planRow('trials', int(planned?.trials), String(spent.trials), planned?.trials ? spent.trials / planned.trials : undefined),
    planRow('seconds per trial', secs(planned?.secondsPerTrial), secs(spent.meanSecondsPerTrial), planned?.secondsPerTrial && spent.meanSecondsPerTrial ? spent.meanSecondsPerTrial / planned.secondsPerTrial : undefined),
    planRow('search', '—', secs(spent.searchSeconds)),
    planRow('whole run', secs(planned?.totalSeconds), secs(spent.totalSeconds), planned?.totalSeconds && spent.totalSeconds ? spent.totalSeconds / planned.totalSeconds : undefined),
    planRow('peak memory', planned?.memoryBytes === undefined ? '—' : `${Math.round(planned.memoryBytes / 2 ** 20)} MiB`, '—'),
  ];
  fill(
    byId('plan'),
    el('table', { class: 'plan-table' }, el('thead', {}, el('tr', {}, el('th', {}, ''), el('th', {}, 'planned'), el('th', {}, 'spent'), el('th', {}, ''))), el('tbody', {}, ...rows)),
    planned ? '' : el('p', { class: 'muted' }, 'No plan recorded yet: autonas search --dashboard shows it live; report.json has it once the search ends.'),
  );
}

function renderTable(v: ExperimentView): void {
  const table = byId<HTMLTableElement>('trials');
  fill(
    table.tHead!,
    el('tr', {}, ...COLUMNS.map((c) => {
      const th = el('th', { class: ui.sort.key === c.key ? `sorted${ui.sort.asc ? ' asc' : ''}` : '', 'data-key': c.key }, c.label);
      th.addEventListener('click', () => {
        ui.sort = { key: c.key, asc: ui.sort.key === c.key ? !ui.sort.asc : c.key === 'id' };
        renderTable(v);
      });
      return th;
    })),
  );
  const col = COLUMNS.find((c) => c.key === ui.sort.key) ?? COLUMNS[0]!;
  const needle = ui.filter.trim().toLowerCase();
  const rows = v.trials
    .filter((t) => (!ui.status || t.status === ui.status) && (!needle || COLUMNS.map((c) => c.text(t)).join(' ').toLowerCase().includes(needle)))
    .sort((a, b) => {
      const x = col.value(a);
      const y = col.value(b);
      if (x === undefined || y === undefined) return x === y ? a.id - b.id : x === undefined ? 1 : -1;
      const d = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return (ui.sort.asc ? d : -d) || a.id - b.id;
    });
  fill(
    table.tBodies[0]!,
    ...rows.map((t) => {
      const tr = el('tr', { 'data-trial': String(t.id), class: [t.id === ui.selected ? 'selected' : '', t.id === v.bestId ? 'best' : ''].join(' ').trim() });
      for (const c of COLUMNS) {
        const td = el('td', { class: [c.cls ?? '', c.key === 'status' ? `status ${t.status}` : ''].join(' ').trim() });
        if (c.key === 'role') td.append(el('span', { class: 'role' }, t.role));
        else td.textContent = c.text(t);
        if (c.title) td.title = c.title(t);
        tr.append(td);
      }
      tr.addEventListener('click', () => {
        ui.selected = t.id;
        renderTable(v);
        renderTrial(v);
      });
      return tr;
    }),
  );
  byId('count').textContent = `${rows.length} of ${v.trials.length} shown`;
}

function renderTrial(v: ExperimentView): void {
  const t = v.trials.find((x) => x.id === ui.selected);
  byId('curve-title').textContent = t ? `trial ${t.id + 1}` : 'a trial';
  byId('graph-title').textContent = t ? `trial ${t.id + 1}${t.space ? ` (${t.space})` : ''}` : 'a trial';
  const epochs = t?.epochs ?? [];
  const keys = [...new Set(epochs.flatMap((e) => Object.keys(e)))].filter((k) => k !== 'epoch');
  drawChart(byId('curve'), {
    x: epochs.map((e, i) => (e.epoch ?? i) + 1),
    series: keys.map((k, i) => {
      const acc = /acc/i.test(k);
      return { label: k, values: epochs.map((e) => (e[k] === undefined ? null : acc ? e[k]! * 100 : e[k]!)), scale: acc ? 'y' : 'right', colour: PALETTE[i % PALETTE.length], dash: acc ? undefined : [4, 3] };
    }),
    xLabel: 'epoch', yLabel: 'accuracy %', rightLabel: 'loss', empty: t ? 'no epoch recorded for this trial yet' : 'pick a trial in the table',
  });
  const graph = byId('graph');
  if (t && t.nodes.length) graph.dataset.nodes = String(drawArchitecture(graph, t.nodes));
  else fill(graph, el('div', { class: 'empty' }, 'pick a trial in the table'));
}

function renderDarts(v: ExperimentView): void {
  const section = byId('darts');
  section.hidden = !v.darts;
  if (!v.darts) return;
  byId('darts-genotype').textContent = v.darts.genotype ? `derived cell ${v.darts.genotype}` : '';
  const grid = byId('alphas');
  fill(grid);
  const x = v.darts.epochs.map((e) => e.epoch + 1);
  for (const edge of v.darts.edges) {
    const chart = el('div');
    grid.append(el('div', { class: 'alpha card' }, el('h3', {}, `${edge.cell} cell, node ${edge.node} ← input ${edge.input}`), chart));
    drawChart(chart, { x, series: Object.entries(edge.weights).map(([op, w]) => ({ label: op, values: w })), xLabel: 'epoch', yLabel: 'α (softmax)', height: 170 });
  }
}

function render(v: ExperimentView): void {
  ui.view = v;
  varying = varyingDecisions(v.trials);
  if (ui.selected === undefined || !v.trials.some((t) => t.id === ui.selected)) ui.selected = v.bestId ?? v.trials[v.trials.length - 1]?.id;
  renderHeader(v);
  renderBest(v);
  renderPlan(v);
  renderPareto(byId('pareto-params'), v, (t) => t.params, 'parameters (log scale)', true);
  renderPareto(byId('pareto-seconds'), v, (t) => t.seconds, 'seconds', false);
  renderTable(v);
  renderTrial(v);
  renderDarts(v);
  document.body.dataset.version = String(Number(document.body.dataset.version ?? 0) + 1);
}

let loading: Promise<void> | undefined;
let again = false;
/** Fetches the current experiment and redraws; a change during a fetch triggers one more. */
function refresh(): void {
  if (loading) {
    again = true;
    return;
  }
  loading = getJson<ExperimentView>(`api/experiments/${ui.current}`)
    .then(render)
    .catch((e: unknown) => {
      const problem = byId('problem');
      problem.hidden = false;
      problem.textContent = `cannot reach the dashboard's server: ${(e as Error).message}`;
    })
    .finally(() => {
      loading = undefined;
      if (again) {
        again = false;
        refresh();
      }
    });
}

async function start(): Promise<void> {
  const list = await getJson<ExperimentListView>('api/experiments');
  const select = byId<HTMLSelectElement>('experiment');
  fill(select, ...list.experiments.map((e) => el('option', { value: String(e.index) }, e.name)));
  select.addEventListener('change', () => {
    ui.current = Number(select.value);
    ui.selected = undefined;
    refresh();
  });
  byId<HTMLInputElement>('filter').addEventListener('input', (e) => {
    ui.filter = (e.target as HTMLInputElement).value;
    if (ui.view) renderTable(ui.view);
  });
  byId<HTMLSelectElement>('status-filter').addEventListener('change', (e) => {
    ui.status = (e.target as HTMLSelectElement).value;
    if (ui.view) renderTable(ui.view);
  });
  const events = new EventSource('api/events');
  events.addEventListener('change', (e) => {
    if ((JSON.parse((e as MessageEvent<string>).data) as { experiment: number }).experiment === ui.current) refresh();
  });
  events.addEventListener('open', refresh);
  let resized: number | undefined;
  window.addEventListener('resize', () => {
    clearTimeout(resized);
    resized = window.setTimeout(() => ui.view && render(ui.view), 200);
  });
  refresh();
}

void start();
