/**
 * Minimum-cost assignment (the Hungarian algorithm, Kuhn–Munkres with potentials, O(n²m)) on a
 * rectangular cost matrix: each row is matched to a distinct column when there are at most as
 * many rows as columns, and each column to a distinct row otherwise.
 *
 * @param cost rows of equal length; finite numbers
 * @returns the matched `[row, column]` pairs (min(rows, columns) of them) and their total cost
 * @example
 * ```ts
 * import { hungarian } from '@autonas/strategy-morphism-bo';
 * const { pairs, cost } = hungarian([[4, 1, 3], [2, 0, 5], [3, 2, 2]]);
 * console.log(pairs, cost); // [[0, 1], [1, 0], [2, 2]] 5
 * ```
 */
export function hungarian(cost: readonly (readonly number[])[]): { pairs: Array<[number, number]>; cost: number } {
  const rows = cost.length;
  const cols = rows === 0 ? 0 : cost[0]!.length;
  if (rows === 0 || cols === 0) return { pairs: [], cost: 0 };
  if (cost.some((r) => r.length !== cols)) throw new RangeError('hungarian: every row of the cost matrix needs the same length');
  if (rows > cols) {
    const t = hungarian(Array.from({ length: cols }, (_, j) => cost.map((r) => r[j]!)));
    return { pairs: t.pairs.map(([j, i]) => [i, j] as [number, number]).sort((a, b) => a[0] - b[0]), cost: t.cost };
  }
  const n = rows, m = cols;
  // 1-based arrays; column 0 is a virtual start.
  const u = new Float64Array(n + 1), v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1), way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(Infinity);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity, j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const c = cost[i0 - 1]![j - 1]! - u[i0]! - v[j]!;
        if (c < minv[j]!) {
          minv[j] = c;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]!]! += delta;
          v[j]! -= delta;
        } else minv[j]! -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const pairs: Array<[number, number]> = [];
  let total = 0;
  for (let j = 1; j <= m; j++) {
    if (p[j]! > 0) {
      pairs.push([p[j]! - 1, j - 1]);
      total += cost[p[j]! - 1]![j - 1]!;
    }
  }
  pairs.sort((a, b) => a[0] - b[0]);
  return { pairs, cost: total };
}
