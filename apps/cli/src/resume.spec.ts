import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { SEARCH_FLAGS_FILE, loadSearchFlags, saveSearchFlags } from './resume.js';

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
    expect(a.err[0]).toContain(`--out ${dir}`);
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

  it('issue 16: keeps boolean flags with their type, and resumes from the flags of a search killed before its store existed', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'autonas-cli-resume-'));
    await saveSearchFlags(dir, { seed: '5', 'no-baseline': true, 'one-shot': true, plan: undefined, out: dir, resume: undefined });
    expect(JSON.parse(await fs.readFile(path.join(dir, SEARCH_FLAGS_FILE), 'utf8'))).toEqual({ seed: '5', 'no-baseline': true, 'one-shot': true });
    await fs.rm(path.join(dir, 'experiment.sqlite'), { force: true }); // as if killed before the store was created
    expect(await loadSearchFlags(dir)).toEqual({ seed: '5', 'no-baseline': true, 'one-shot': true });
    await fs.writeFile(path.join(dir, SEARCH_FLAGS_FILE), JSON.stringify({ seed: 5 }));
    await expect(loadSearchFlags(dir)).rejects.toMatchObject({ code: 'BAD_SEARCH_FLAGS' });
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('issue 16: --out naming a file is a typed error, not a stack trace', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'autonas-cli-resume-'));
    const file = path.join(dir, 'plain');
    await fs.writeFile(file, 'x');
    const c = capture();
    expect(await runCli(['search', '--max-trials', '1', '--out', file], c.io)).toBe(1);
    expect(c.err[0]).toMatch(/BAD_OUT/);
    expect(await fs.readFile(file, 'utf8')).toBe('x');
    await fs.rm(dir, { recursive: true, force: true });
  });
});
