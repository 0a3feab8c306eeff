// Option parsing and output shared by the `npm run bench` commands.
import fs from 'node:fs';
import path from 'node:path';

/** Where a command's table and progress lines go. */
export type Io = { out: (s: string) => void; err: (s: string) => void };

/** Parses `--name N` as an integer >= min, or the fallback when absent; throws a message naming the option. */
export function intOption(v: string | undefined, name: string, fallback: number, min = 1): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be ${min === 1 ? 'a positive integer' : `an integer >= ${min}`}, got ${JSON.stringify(v)}`);
  return n;
}

/** Parses `--name T` as seconds from `600`, `90s`, `10m` or `1h` (as the CLI's `--budget`), or the fallback when absent. */
export function durationOption(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(v.trim());
  const n = m ? Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1) : NaN;
  if (!(n > 0)) throw new Error(`--${name} must be a duration such as 600, 90s, 10m or 1h, got ${JSON.stringify(v)}`);
  return n;
}

/** Writes a benchmark's result as JSON (creating the folder) and says where. */
export function writeJson(file: string, result: unknown, io: Io): void {
  const out = path.resolve(file);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  io.out(`JSON: ${out}`);
}

/** Node version and date, recorded beside a result. */
export function machine(): { node: string; date: string } {
  return { node: process.version, date: new Date().toISOString() };
}
