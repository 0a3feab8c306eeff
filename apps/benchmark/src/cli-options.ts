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
