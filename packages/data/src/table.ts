import { DataError } from '@autonas/core';

/** One row of a table: column name → value; `null`, `undefined`, `''` and `NaN` are missing. */
export type TableRow = Readonly<Record<string, unknown>>;

/** A table: rows of objects (what a CSV parser or `vega-datasets` gives). */
export type TableInput = readonly TableRow[];

/** How a column is encoded. */
export type ColumnKind = 'numeric' | 'categorical';

/** A column as learned from the training rows. */
export type ColumnSpec =
  | { readonly name: string; readonly kind: 'numeric'; readonly mean: number; readonly std: number }
  | { readonly name: string; readonly kind: 'categorical'; readonly categories: readonly string[] };

/** Plain-JSON state of a fitted {@link TablePreprocessor}, saved beside an exported model. */
export interface TablePreprocessorState {
  readonly version: 1;
  readonly columns: readonly ColumnSpec[];
}

const missing = (v: unknown) => v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v));

/** A number from a cell, or undefined when the cell is not numeric. */
function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/**
 * Column handling for structured data, learned on the training rows only: a numeric column is
 * standardised (mean 0, standard deviation 1; a missing value becomes the training mean, i.e. 0),
 * a categorical one is one-hot encoded over the categories seen in training (an unseen or missing
 * category is all zeros). A column is numeric when every non-missing training value is a number
 * (or a numeric string), categorical otherwise, unless `kinds` says. Its state is plain JSON, so
 * the exported model carries it and predicts from raw rows.
 *
 * @example
 * ```ts
 * import { TablePreprocessor } from '@autonas/data';
 * const rows = [{ hp: 130, origin: 'USA' }, { hp: 95, origin: 'Japan' }, { hp: 88, origin: 'Europe' }];
 * const pre = TablePreprocessor.fit(rows);
 * pre.width;                     // 4: hp, then origin one-hot over 3 categories
 * pre.transform([{ hp: 130, origin: 'Japan' }]); // Float32Array of 4
 * const again = TablePreprocessor.fromJSON(JSON.parse(JSON.stringify(pre.toJSON())));
 * ```
 */
export class TablePreprocessor {
  private constructor(readonly columns: readonly ColumnSpec[]) {}

  /**
   * Learns the encoding of `columns` (default: every column of the first row) from `rows`.
   *
   * @throws DataError `EMPTY_DATA` for no rows or no columns, `BAD_COLUMN` for a column that no
   *   training row has a value in, or a `numeric` column holding text.
   */
  static fit(rows: TableInput, options: { columns?: readonly string[]; kinds?: Readonly<Record<string, ColumnKind>> } = {}): TablePreprocessor {
    if (!Array.isArray(rows) || rows.length === 0) throw new DataError('EMPTY_DATA', 'a table needs at least one row');
    const names = options.columns ?? Object.keys(rows[0] ?? {});
    if (names.length === 0) throw new DataError('EMPTY_DATA', 'a table needs at least one feature column');
    const specs = names.map((name): ColumnSpec => {
      const present = rows.map((r) => r?.[name]).filter((v) => !missing(v));
      if (present.length === 0) throw new DataError('BAD_COLUMN', `column "${name}" has no value in any of the ${rows.length} training rows`);
      const numbers = present.map(asNumber);
      const kind = options.kinds?.[name] ?? (numbers.every((v) => v !== undefined) ? 'numeric' : 'categorical');
      if (kind === 'numeric') {
        const bad = numbers.findIndex((v) => v === undefined);
        if (bad >= 0) throw new DataError('BAD_COLUMN', `column "${name}" is numeric but holds ${JSON.stringify(present[bad])}`);
        const xs = numbers as number[];
        const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
        const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
        return { name, kind, mean, std: std > 0 ? std : 1 };
      }
      return { name, kind, categories: [...new Set(present.map(String))].sort() };
    });
    return new TablePreprocessor(specs);
  }

  /** Restores a saved encoding (see {@link TablePreprocessor.toJSON}). @throws DataError `BAD_COLUMN` for a malformed state. */
  static fromJSON(state: TablePreprocessorState): TablePreprocessor {
    if (state?.version !== 1 || !Array.isArray(state.columns) || state.columns.length === 0) throw new DataError('BAD_COLUMN', 'not a saved table encoding (version 1 with columns)');
    for (const c of state.columns) {
      const ok = typeof c?.name === 'string' && (c.kind === 'numeric' ? Number.isFinite(c.mean) && c.std > 0 : c.kind === 'categorical' && Array.isArray(c.categories));
      if (!ok) throw new DataError('BAD_COLUMN', `malformed column in a saved table encoding: ${JSON.stringify(c)?.slice(0, 100)}`);
    }
    return new TablePreprocessor(state.columns);
  }

  /** Features per row after encoding. */
  get width(): number {
    return this.columns.reduce((n, c) => n + (c.kind === 'numeric' ? 1 : c.categories.length), 0);
  }

  /**
   * Encodes rows into `rows.length × width` float32 features.
   *
   * @throws DataError `EMPTY_DATA` for no rows, `BAD_COLUMN` naming the row of a non-numeric value in a numeric column.
   */
  transform(rows: TableInput): Float32Array {
    if (!Array.isArray(rows) || rows.length === 0) throw new DataError('EMPTY_DATA', 'a table needs at least one row');
    const w = this.width;
    const out = new Float32Array(rows.length * w);
    rows.forEach((row, i) => {
      let o = i * w;
      for (const c of this.columns) {
        const v = row?.[c.name];
        if (c.kind === 'numeric') {
          if (!missing(v)) {
            const x = asNumber(v);
            if (x === undefined) throw new DataError('BAD_COLUMN', `row ${i}: column "${c.name}" is numeric but holds ${JSON.stringify(v)}`);
            out[o] = (x - c.mean) / c.std;
          }
          o += 1;
        } else {
          const k = missing(v) ? -1 : c.categories.indexOf(String(v));
          if (k >= 0) out[o + k] = 1;
          o += c.categories.length;
        }
      }
    });
    return out;
  }

  toJSON(): TablePreprocessorState {
    return { version: 1, columns: this.columns };
  }
}
