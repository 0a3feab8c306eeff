import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Random, type TrialRecord } from '@autonas/core';
import { SqliteTrialStore } from './sqlite-trial-store.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const register = path.resolve(here, '../../../tools/run-ts/register.mjs');
const child = path.join(here, 'resume-child.test-util.ts');
/** SIGKILLs per run of the suite (AUTONAS_SOAK_KILLS raises it for a soak run). */
const KILLS = Number(process.env.AUTONAS_SOAK_KILLS ?? 10);
/**
 * Enough trials that no run of kills can finish the search: a run lives at most ~350 ms after it
 * starts searching, about 32 trials of 5–40 ms two at a time, so 40 per kill always leaves work for
 * the final run, however fast the machine.
 */
const MAX_TRIALS = Math.max(80, KILLS * 40);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'autonas-sigkill-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Starts the search; kills it with SIGKILL `killAfterMs` after it reports it started (never, if undefined). */
function runSearch(db: string, startsLog: string, killAfterMs?: number): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', register, child, db, startsLog, String(MAX_TRIALS), '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let armed = killAfterMs !== undefined;
    p.stdout.on('data', (d: Buffer) => {
      out += d;
      if (armed && out.includes('started')) {
        armed = false;
        setTimeout(() => p.kill('SIGKILL'), killAfterMs);
      }
    });
    p.stderr.on('data', (d: Buffer) => (err += d));
    p.on('error', reject);
    p.on('close', (code, signal) => (signal === 'SIGKILL' || code === 0 ? resolve({ code, signal, out }) : reject(new Error(`search exited ${code}: ${err}`))));
  });
}

describe('a search killed with SIGKILL at random moments', () => {
  it(`resumes ${KILLS} times and ends with every trial recorded exactly once`, async () => {
    const db = path.join(dir, 'experiment.sqlite');
    const startsLog = path.join(dir, 'starts.log');
    const rng = new Random(Number(process.env.AUTONAS_SOAK_SEED ?? 20261128));
    const completedSeen = new Map<number, TrialRecord>();
    const startsBefore = new Map<number, number>();
    let killedMidSearch = 0;
    const killedWith: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      const delay = rng.int(0, 350);
      const r = await runSearch(db, startsLog, delay);
      if (r.signal !== 'SIGKILL') break; // it finished before the kill
      killedWith.push(delay);
      if (!fs.existsSync(db)) continue;
      const store = new SqliteTrialStore({ path: db, readonly: true });
      const trials = store.trials();
      store.close();
      const starts = fs.existsSync(startsLog) ? fs.readFileSync(startsLog, 'utf8').trim().split('\n').filter(Boolean).length : 0;
      if (trials.length > 0 && trials.length < MAX_TRIALS) killedMidSearch++;
      for (const t of trials) {
        if (t.status !== 'completed') continue;
        const prev = completedSeen.get(t.id);
        if (prev) expect(t).toEqual(prev); // a completed trial never changes again
        else {
          completedSeen.set(t.id, t);
          startsBefore.set(t.id, starts);
        }
      }
    }
    expect(killedWith.length).toBe(KILLS);
    expect(killedMidSearch).toBeGreaterThanOrEqual(Math.ceil(KILLS / 3));

    const last = await runSearch(db, startsLog);
    expect(last.out).toContain(`done maxTrials ${MAX_TRIALS}`);
    const store = new SqliteTrialStore({ path: db, readonly: true });
    const final = store.trials();
    store.close();
    // Exactly the trials asked for, each id once, none left running; a trial given up after being
    // interrupted on its last attempt (maxAttempts) is recorded failed and takes no budget.
    const givenUp = final.filter((t) => t.status === 'failed');
    for (const t of givenUp) expect([t.error, t.metrics.interrupted]).toEqual([expect.stringMatching(/interrupted \d time/), t.attempt ?? 1]);
    expect(final.map((t) => t.id)).toEqual(Array.from({ length: MAX_TRIALS + givenUp.length }, (_, i) => i));
    expect(final.filter((t) => t.status === 'running')).toEqual([]);
    // No architecture trained (and counted) twice.
    const completed = final.filter((t) => t.status === 'completed');
    expect(new Set(completed.map((t) => t.hash)).size).toBe(completed.length);
    // Every trial seen completed after a kill is still there, unchanged, and never started again.
    const startLines = fs.readFileSync(startsLog, 'utf8').trim().split('\n').map(Number);
    for (const [id, seen] of completedSeen) {
      expect(final[id]).toEqual(seen);
      expect(startLines.slice(startsBefore.get(id)).filter((x) => x === id)).toEqual([]);
    }
    // A trial runs once, or twice when a kill interrupted it (its attempt says so). The start log is
    // written just after the store records the start, outside its transaction: a kill between the two
    // (under load, while the commit waits for its fsync) leaves a start without its line. So a trial
    // that completed logged its start in the process that completed it, while one given up may have
    // logged up to one start per attempt.
    for (const t of final) {
      const n = startLines.filter((x) => x === t.id).length;
      if (t.status === 'completed') expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(t.attempt ?? 1);
    }
    console.log(`SIGKILL resume: ${KILLS} kills at ${killedWith.join(', ')} ms after start (${killedMidSearch} mid-search); ${completedSeen.size} trials seen completed before the last run; ${final.filter((t) => (t.attempt ?? 1) > 1).length} interrupted trials rerun; ${final.filter((t) => t.status === 'failed').length} given up after maxAttempts interruptions (failed), ${final.filter((t) => t.status === 'failed' && !startLines.includes(t.id)).length} of them with no start logged; ${final.length} trials at the end`);
  }, 300_000);
});
