import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { SEARCH_FLAGS_FILE } from './resume.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe('autonas search --resume', () => {
  it('refuses a directory without a search, and a second --out', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'autonas-cli-resume-'));
    const a = capture();
    expect(await runCli(['search', '--resume', dir], a.io)).toBe(1);
    expect(a.err[0]).toMatch(/holds no search to resume .*NOTHING_TO_RESUME/);
    const b = capture();
    expect(await runCli(['search', '--resume', dir, '--out', path.join(dir, 'other')], b.io)).toBe(1);
    expect(b.err[0]).toContain('give no other --out');
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('continues the search kept in --out with its first flags, training only the trials left', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'autonas-cli-resume-'));
    const flags = ['--train-size', '600', '--trial-samples', '200', '--trial-validation', '100', '--retrain-epochs', '1', '--backend', 'wasm', '--seed', '5'];
    const first = capture();
    expect(await runCli(['search', '--max-trials', '1', ...flags, '--out', dir], first.io)).toBe(0);
    const report1 = JSON.parse(await fs.readFile(path.join(dir, 'report.json'), 'utf8'));
    expect(report1.workers).toBe(os.availableParallelism()); // the default: one worker process per core
    expect(JSON.parse(await fs.readFile(path.join(dir, SEARCH_FLAGS_FILE), 'utf8'))).toMatchObject({ seed: '5', 'trial-samples': '200' });

    const second = capture();
    expect(await runCli(['search', '--resume', dir, '--max-trials', '2'], second.io)).toBe(0);
    const text = second.out.join('\n');
    expect(second.err).toEqual([]);
    expect(text).toContain('resuming the experiment');
    expect(text).toMatch(/trial {2}2 \|/);
    expect(text).not.toMatch(/trial {2}1 \|/); // trial 1 was not trained again
    expect(text).toContain('seed 5');
    const report2 = JSON.parse(await fs.readFile(path.join(dir, 'report.json'), 'utf8'));
    expect(report2.trials.map((t: { id: number }) => t.id)).toEqual([0, 1]);
    expect(report2.trials[0]).toEqual(report1.trials[0]);

    await fs.rm(dir, { recursive: true, force: true });
  });
});
