import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fill, el } from './dom.js';

export const PALETTE = ['#2f6fdf', '#e8710a', '#1e8e3e', '#a142f4', '#d01884', '#12b5cb', '#b06000', '#5f6368', '#c5221f'];

/** One series of a chart: `null` where it has no value at that x. */
export interface Series {
  readonly label: string;
  readonly values: readonly (number | null)[];
  readonly colour?: string;
  /** `line` (default), `step` (a best-so-far), `points` (a scatter). */
  readonly style?: 'line' | 'step' | 'points';
  readonly dash?: readonly number[];
  /** Draw a mark at each value (default true; false for a reference line such as the baseline). */
  readonly marks?: boolean;
  /** `y` (default) or `right` for a second axis on the right. */
  readonly scale?: 'y' | 'right';
}

/** What {@link drawChart} draws. */
export interface ChartSpec {
  readonly x: readonly number[];
  readonly series: readonly Series[];
  readonly xLabel: string;
  readonly yLabel: string;
  readonly rightLabel?: string;
  readonly xLog?: boolean;
  readonly height?: number;
  /** Text shown instead of an empty chart. */
  readonly empty?: string;
}

const charts = new WeakMap<HTMLElement, uPlot>();

/** Draws (or redraws) a uPlot chart into `target`, sized to its width. */
export function drawChart(target: HTMLElement, spec: ChartSpec): void {
  charts.get(target)?.destroy();
  charts.delete(target);
  if (spec.x.length === 0) {
    fill(target, el('div', { class: 'empty' }, spec.empty ?? 'no data yet'));
    return;
  }
  fill(target);
  const step = uPlot.paths.stepped!({ align: 1 });
  const opts: uPlot.Options = {
    width: Math.max(240, target.clientWidth),
    height: spec.height ?? 240,
    scales: { x: { time: false, ...(spec.xLog ? { distr: 3 } : {}) }, y: { auto: true }, ...(spec.rightLabel ? { right: { auto: true } } : {}) },
    axes: [
      { label: spec.xLabel, labelSize: 20, size: 36 },
      { label: spec.yLabel, labelSize: 20, size: 52 },
      ...(spec.rightLabel ? [{ label: spec.rightLabel, scale: 'right', side: 1, grid: { show: false }, labelSize: 20, size: 52 }] : []),
    ],
    cursor: { drag: { x: true, y: false } },
    legend: { live: false },
    series: [
      { label: spec.xLabel },
      ...spec.series.map((s, i): uPlot.Series => {
        const colour = s.colour ?? PALETTE[i % PALETTE.length]!;
        const points = s.style === 'points';
        return {
          label: s.label,
          stroke: colour,
          width: points ? 0 : 2,
          scale: s.scale ?? 'y',
          spanGaps: true,
          dash: s.dash ? [...s.dash] : undefined,
          paths: points ? () => null : s.style === 'step' ? step : undefined,
          points: { show: s.marks ?? true, size: points ? 7 : 5, fill: colour, stroke: colour },
        };
      }),
    ],
  };
  const data = [spec.x, ...spec.series.map((s) => s.values)] as unknown as uPlot.AlignedData;
  charts.set(target, new uPlot(opts, data, target));
}
