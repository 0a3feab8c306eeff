import { describe, expect, it } from 'vitest';
import { searchProgress, type ProgressStream } from './progress.js';

/** A terminal that keeps what is drawn on it. */
function terminal(isTTY: boolean): ProgressStream & { text(): string } {
  const chunks: string[] = [];
  return {
    isTTY,
    columns: 120,
    write: (c: string) => (chunks.push(c), true),
    // Escape sequences (cursor moves, line clears) out, so the assertions read the text drawn.
    text: () => chunks.join('').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''),
  };
}

describe('searchProgress', () => {
  it('draws the search and retraining bars with elapsed time and an ETA from the plan, refined by the trials that ended', async () => {
    const tty = terminal(true);
    const printed: string[] = [];
    const p = searchProgress(tty, (l) => printed.push(l));
    p.planned(4, 30);
    await new Promise((r) => setTimeout(r, 250));
    p.log('trial  1 | val acc 97.10%');
    p.trialEnded(10);
    await new Promise((r) => setTimeout(r, 250));
    p.retrainStarted(3);
    p.retrainEpoch(0);
    await new Promise((r) => setTimeout(r, 250));
    p.stop();
    const text = tty.text();
    expect(printed).toEqual([]); // lines go above the bars, on the terminal
    expect(text).toContain('trial  1 | val acc 97.10%');
    // Before any trial the plan's 30 s per trial: 4 trials, 2m00s; after one of 10 s, 3 left at 10 s each.
    expect(text).toMatch(/search\s+\|.*\| 0\/4 trials \| elapsed 0m00s \| eta 2m00s/);
    expect(text).toMatch(/search\s+\|.*\| 1\/4 trials \| elapsed \d+m\d\ds \| eta 0m30s/);
    expect(text).toMatch(/retrain \|.*\| 1\/3 epochs \| elapsed \d+m\d\ds \| eta \d+m\d\ds/);
  });

  it('grows a budget\'s retraining bar epoch by epoch', async () => {
    const tty = terminal(true);
    const p = searchProgress(tty, () => {});
    p.retrainStarted(undefined);
    p.retrainEpoch(0);
    p.retrainEpoch(1);
    await new Promise((r) => setTimeout(r, 250));
    p.stop();
    expect(tty.text()).toMatch(/retrain \|.*\| 2\/3 epochs \(until the budget ends\)/);
  });

  it('prints plain lines and draws nothing when the stream is not a terminal', () => {
    const pipe = terminal(false);
    const printed: string[] = [];
    const p = searchProgress(pipe, (l) => printed.push(l));
    p.planned(4, 30);
    p.log('a line');
    p.trialEnded(10);
    p.retrainStarted(2);
    p.retrainEpoch(0);
    p.stop();
    expect(printed).toEqual(['a line']);
    expect(pipe.text()).toBe('');
  });
});
