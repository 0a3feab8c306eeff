import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hpArg, runCli } from './cli.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe('autonas CLI', () => {
  it('prints help and rejects unknown commands and bad options with a clear message', async () => {
    const a = capture();
    expect(await runCli(['search', '--help'], a.io)).toBe(0);
    expect(a.out.join('\n')).toContain('--max-trials');
    const top = capture();
    expect(await runCli(['--help'], top.io)).toBe(0);
    for (const part of ['autonas search [options]', 'autonas dashboard DIR', 'autonas worker --redis URL', '--max-trials', '--allow-remote', '--max-jobs']) expect(top.out.join('\n')).toContain(part);
    const v = capture();
    expect(await runCli(['--version'], v.io)).toBe(0);
    expect(v.out).toEqual([JSON.parse(await fs.readFile(new URL('../package.json', import.meta.url), 'utf8')).version]);
    const b = capture();
    expect(await runCli(['fly'], b.io)).toBe(2);
    expect(b.err[0]).toContain('unknown command "fly"');
    const c = capture();
    expect(await runCli(['search', '--max-trials', 'many'], c.io)).toBe(1);
    expect(c.err[0]).toContain('--max-trials must be an integer');
    const d = capture();
    expect(await runCli(['search', '--dataset', 'cifar'], d.io)).toBe(1);
    expect(d.err[0]).toContain('datasets: mnist');
    const e = capture();
    expect(await runCli(['search', '--frobnicate'], e.io)).toBe(2);
    expect(e.err[0]).toContain('frobnicate');
    const f = capture();
    expect(await runCli(['search', '--strategy', 'annealing'], f.io)).toBe(1);
    expect(f.err[0]).toContain('strategies: random, evolution, rl, morphism-bo, darts');
    const g = capture();
    expect(await runCli(['search', '--folds', '1'], g.io)).toBe(1);
    expect(g.err[0]).toContain('--folds must be an integer >= 2');
    const h = capture();
    expect(await runCli(['search', '--workers', '0'], h.io)).toBe(1);
    expect(h.err[0]).toContain('--workers must be an integer >= 1, got "0"');
    const i = capture();
    expect(await runCli(['search', '--workers', '2', '--one-shot'], i.io)).toBe(1);
    expect(i.err[0]).toContain('--workers runs low-fidelity trials in worker processes; it does not apply to --one-shot');
    const j = capture();
    expect(await runCli(['search', '--hp', 'learningRate=0.001|0.003', '--no-hp-search'], j.io)).toBe(1);
    expect(j.err[0]).toContain('--hp names hyperparameters to search and --no-hp-search turns the search off: give one');
    const k = capture();
    expect(await runCli(['search', '--optimizer', 'lion'], k.io)).toBe(1);
    expect(k.err[0]).toContain('--optimizer must be adam, adamw, sgd or rmsprop, got "lion"');
    const l = capture();
    expect(await runCli(['search', '--hp', 'learningRate'], l.io)).toBe(1);
    expect(l.err[0]).toContain('--hp takes name=choice|choice');
    expect(hpArg('learningRate=0.001|0.003,optimizer=adam|adamw,augment.flip=false|true')).toEqual({ learningRate: [0.001, 0.003], optimizer: ['adam', 'adamw'], 'augment.flip': [false, true] });
  });

  it('--json writes one JSON event per line on stdout, every phase\'s trials included, and the usual lines on stderr', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'autonas-json-'));
    const c = capture();
    const code = await runCli(['search', '--json', '--max-trials', '1', '--workers', '1', '--train-size', '1000', '--trial-samples', '400', '--retrain-epochs', '1', '--backend', 'wasm', '--seed', '2', '--out', dir], c.io);
    expect(code).toBe(0);
    const events = c.out.map((l) => JSON.parse(l) as { event: string; phase?: string; id?: number; time: string; [k: string]: unknown });
    expect(events.every((e) => typeof e.time === 'string' && !Number.isNaN(Date.parse(e.time)))).toBe(true);
    expect(events[0]!.event).toBe('plan');
    const ends = events.filter((e) => e.event === 'trial:end').map((e) => `${e.phase}:${e.id}:${e.status}`);
    expect(ends).toEqual(['baseline:0:completed', 'search:0:completed', 'retrain:0:completed']);
    expect(events.filter((e) => e.event === 'trial:epoch' && e.phase === 'retrain').map((e) => e.epoch)).toEqual([0]);
    const result = events.at(-1)!;
    expect(result.event).toBe('result');
    expect((result.test as { accuracy: number }).accuracy).toBeGreaterThan(0.11); // above chance after 1 epoch on 400 images
    expect(c.err.join('\n')).toMatch(/test accuracy: \d+\.\d\d%/);
    // A refused flag is an error event too.
    const bad = capture();
    expect(await runCli(['search', '--json', '--max-trials', 'many'], bad.io)).toBe(1);
    expect(JSON.parse(bad.out[0]!)).toMatchObject({ event: 'error', code: 'BAD_ARGUMENT' });
  }, 300_000);

  it('--plan estimates time and memory from a timed probe and searches nothing', async () => {
    const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'autonas-plan-')), 'out');
    const c = capture();
    expect(await runCli(['search', '--plan', '--train-size', '1000', '--backend', 'wasm', '--out', dir], c.io)).toBe(0);
    const text = c.out.join('\n');
    expect(text).toMatch(/plan \(from a timed probe/);
    expect(text).toMatch(/search: ~5 trial\(s\)/);
    expect(text).toMatch(/baseline first: ~/);
    expect(text).toMatch(/peak memory .* ~\d+ MiB/);
    expect(text).not.toMatch(/trial {2}1 \|/);
    await expect(fs.access(dir)).rejects.toThrow();
  });

  it('searches MNIST with 2 worker processes, reports every trial and the test accuracy, and saves the model and a report', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'autonas-cli-'));
    const c = capture();
    const code = await runCli(
      ['search', '--max-trials', '2', '--strategy', 'evolution', '--workers', '2', '--train-size', '1500', '--trial-samples', '600', '--retrain-epochs', '1', '--backend', 'wasm', '--seed', '3', '--hp-search', '--out', dir],
      c.io,
    );
    const text = c.out.join('\n');
    expect(c.err).toEqual([]);
    expect(code).toBe(0);
    expect(text).toMatch(/trial {2}1 \| val acc/);
    expect(text).toMatch(/trial {2}2 \|/);
    expect(text).toMatch(/test accuracy: \d+\.\d\d% .* on 10000 MNIST test images/);
    expect(text).toMatch(/baseline: plain ResNet-style network, 19,706 params, validation accuracy \d+\.\d\d%: the search (beat it by|did NOT beat it)/);
    const files = await fs.readdir(dir);
    // The model, the report, and the experiment (trial store, the classifier's copy of the model, the flags) for --resume.
    expect(files.sort()).toEqual(['autonas.json', 'experiment.sqlite', 'model', 'model.json', 'report.json', 'search-flags.json', expect.stringMatching(/^weights-[0-9a-f]{16}\.bin$/)]);
    const report = JSON.parse(await fs.readFile(path.join(dir, 'report.json'), 'utf8'));
    expect(report.trials).toHaveLength(2);
    expect(report.backend).toBe('wasm');
    expect(report.test.accuracy).toBeGreaterThan(0.5);
    expect(report.strategy).toBe('evolution');
    expect(report.baseline.searchGain).toBeCloseTo(report.best.score - report.baseline.score, 12);
    expect(report.plan.trials).toBe(2);
    // The trials ran in the 2 worker processes, not in the CLI's.
    expect(report.workers).toBe(2);
    expect(text).toMatch(/; 2 worker processes\n/);
    const pids = new Set(report.trials.map((t: { metrics: { workerPid: number } }) => t.metrics.workerPid));
    expect(pids.size).toBe(2);
    expect(pids.has(process.pid)).toBe(false);
    // With --hp-search the learning rate and the batch size were searched (nothing fixed them), in the workers too; the report names the final model's rules.
    expect(report.training.searched).toEqual(['learningRate', 'batchSize']);
    for (const t of report.trials) expect(Object.keys(t.decisions)).toEqual(expect.arrayContaining(['hp/learningRate', 'hp/batchSize']));
    expect(text).toMatch(/training: learning rate 0\.00[13], batch (64|32), adam \(searched: learningRate, batchSize; the rest fixed\)/);
  }, 300_000);

  it('--plugin loads a third-party strategy chosen by --strategy NAME, and --budget bounds the whole job', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'autonas-plugin-'));
    const fixture = path.resolve(import.meta.dirname, '../test-fixtures/mutants-strategy.mjs');
    const c = capture();
    const code = await runCli(
      ['search', '--plugin', fixture, '--strategy', 'mutants', '--budget', '50s', '--max-trials', '3', '--workers', '1', '--train-size', '1500', '--trial-samples', '400', '--backend', 'wasm', '--out', dir],
      c.io,
    );
    const text = c.out.join('\n');
    expect(c.err).toEqual([]);
    expect(code).toBe(0);
    expect(text).toMatch(/budget: at most 3 trials, 50 s for the whole job; .* strategy mutants/);
    expect(text).toMatch(/budget: up to \d+ s for the search, the rest \(at least ~\d+ s\) for the retraining/);
    const report = JSON.parse(await fs.readFile(path.join(dir, 'report.json'), 'utf8'));
    expect(report.strategy).toBe('mutants');
    // The first trial is the space's known-good network; the others are its mutants.
    expect(report.trials[0].summary).toMatch(/conv2d\(32,3\)/);
    expect(report.test.accuracy).toBeGreaterThan(0.5);
    const bad = capture();
    expect(await runCli(['search', '--plugin', path.join(dir, 'missing.mjs')], bad.io)).toBe(1);
    expect(bad.err.join('')).toMatch(/--plugin .*missing\.mjs: cannot load it.*\[BAD_PLUGIN\]/);
    const late = capture();
    expect(await runCli(['search', '--budget', 'soon'], late.io)).toBe(1);
    expect(late.err.join('')).toMatch(/--budget must be a duration/);
  }, 300_000);

  it('--one-shot scores trials on a supernet and reports the one-shot score beside the winner trained alone and retrained', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'autonas-oneshot-'));
    const c = capture();
    const code = await runCli(
      ['search', '--one-shot', '--supernet-steps', '60', '--max-trials', '3', '--train-size', '1500', '--trial-samples', '600', '--trial-validation', '300', '--retrain-epochs', '1', '--no-baseline', '--backend', 'wasm', '--seed', '3', '--out', dir],
      c.io,
    );
    const text = c.out.join('\n');
    expect(c.err).toEqual([]);
    expect(code).toBe(0);
    expect(text).toMatch(/one-shot supernet: ~.* \(60 steps of 64 images, once\)/);
    expect(text).toMatch(/trial {2}3 \| val acc \d+\.\d\d% \(one-shot\)/);
    expect(text).toMatch(/one-shot: the best scored \d+\.\d\d% on the supernet's weights \(60 steps\), a proxy; trained alone it reaches \d+\.\d\d%/);
    expect(text).toMatch(/test accuracy: \d+\.\d\d% .* retrained from scratch \(its one-shot score was \d+\.\d\d%\)/);
    const report = JSON.parse(await fs.readFile(path.join(dir, 'report.json'), 'utf8'));
    expect(report.oneShot.score).toBe(report.best.score);
    expect(report.oneShot.standalone).toBeGreaterThan(0.1);
    expect(report.oneShot.training).toBe('uniform');
    const bad = capture();
    expect(await runCli(['search', '--supernet-steps', '10'], bad.io)).toBe(1);
    expect(bad.err[0]).toContain('--supernet-steps needs --one-shot');
    const noOneShot = capture();
    expect(await runCli(['search', '--supernet-training', 'few-shot'], noOneShot.io)).toBe(1);
    expect(noOneShot.err[0]).toContain('--supernet-training needs --one-shot');
    const unknown = capture();
    expect(await runCli(['search', '--one-shot', '--supernet-training', 'twice'], unknown.io)).toBe(1);
    expect(unknown.err[0]).toContain('--supernet-training must be uniform, few-shot, sandwich or progressive, got "twice"');
    // The few-shot scheme through the CLI: sub-supernets split on the chain's number of blocks.
    const fewDir = await fs.mkdtemp(path.join(os.tmpdir(), 'autonas-fewshot-'));
    const few = capture();
    expect(await runCli(['search', '--one-shot', '--supernet-training', 'few-shot', '--supernet-steps', '60', '--max-trials', '2', '--train-size', '1500', '--trial-samples', '600', '--trial-validation', '300', '--retrain-epochs', '1', '--no-baseline', '--backend', 'wasm', '--seed', '4', '--out', fewDir], few.io)).toBe(0);
    expect(few.out.join('\n')).toMatch(/one-shot: the best scored \d+\.\d\d% on the supernet's weights \(60 steps, few-shot\)/);
    expect(JSON.parse(await fs.readFile(path.join(fewDir, 'report.json'), 'utf8')).oneShot.training).toBe('few-shot');
  }, 300_000);

  it('--strategy morphism-bo grows the known-good network and improves on it within the budget', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'autonas-morph-'));
    const c = capture();
    const code = await runCli(
      ['search', '--strategy', 'morphism-bo', '--max-trials', '3', '--train-size', '1500', '--trial-samples', '600', '--trial-validation', '300', '--retrain-epochs', '1', '--no-baseline', '--backend', 'wasm', '--seed', '1', '--out', dir],
      c.io,
    );
    const text = c.out.join('\n');
    expect(c.err).toEqual([]);
    expect(code).toBe(0);
    expect(text).toMatch(/trial {2}2 \| val acc .* \| grown from trial 1 \(\d+\.\d\d% before training\)/);
    expect(text).toMatch(/start: {2}the known-good network \(trial 1\) scored \d+\.\d\d%; growing it gained \d+\.\d\d points/);
    const report = JSON.parse(await fs.readFile(path.join(dir, 'report.json'), 'utf8'));
    expect(report.strategy).toBe('morphism-bo');
    expect(report.workers).toBe(1); // the default is one worker per core, but a grown child needs its parent's weights in this process
    expect(report.trials).toHaveLength(3);
    expect(report.start.id).toBe(0);
    expect(report.best.score).toBeGreaterThan(report.start.score);
    // A grown network computes what its parent computed before it trains: its inherited accuracy is the parent's score.
    const child = report.trials.find((t: { metrics: { parentTrial?: number } }) => t.metrics.parentTrial !== undefined);
    expect(child.metrics.inheritedValAccuracy).toBeCloseTo(report.trials[child.metrics.parentTrial].score, 6);
    // The grown winner is retrained from scratch (1 epoch here, so no accuracy bar) and tested on the held-out set.
    expect(report.retrain.epochs).toBe(1);
    expect(report.test.accuracy).toBeTypeOf('number');
  }, 300_000);
});
