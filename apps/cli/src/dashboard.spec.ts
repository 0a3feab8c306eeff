import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Dashboard } from '@autonas/dashboard';
import { hasChromium, launchTestBrowser } from '@autonas/dashboard/testing';
import { runCli } from './cli.js';
import { runDashboardCommand } from './dashboard.js';

/** The docs page's screenshot; rewritten only when AUTONAS_UPDATE_SCREENSHOT=1 (a PNG in git should change on purpose). */
const DOCS_SCREENSHOT = path.resolve(import.meta.dirname, '../../../docs/pages/dashboard.png');

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

/** Resolves with the first line that matches, as soon as it is printed. */
async function lineMatching(lines: string[], re: RegExp, done: () => boolean): Promise<RegExpExecArray> {
  for (;;) {
    for (const l of lines) {
      const m = re.exec(l);
      if (m) return m;
    }
    if (done()) throw new Error(`no line matched ${re}:\n${lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('autonas dashboard', () => {
  it('refuses a non-loopback address unless --allow-remote, and its flags without --dashboard', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'autonas-dash-cli-'));
    const a = capture();
    expect(await runCli(['dashboard', dir, '--host', '0.0.0.0', '--port', '0'], a.io)).toBe(1);
    expect(a.err[0]).toMatch(/refusing to serve the dashboard on 0\.0\.0\.0, which is not a loopback address.*\[NON_LOOPBACK_HOST\]$/);
    const b = capture();
    expect(await runCli(['dashboard'], b.io)).toBe(1);
    expect(b.err[0]).toContain('needs at least one experiment directory');
    const c = capture();
    expect(await runCli(['dashboard', path.join(dir, 'missing'), '--port', '0'], c.io)).toBe(1);
    expect(c.err[0]).toContain('[NO_SUCH_DIRECTORY]');
    const d = capture();
    expect(await runCli(['search', '--host', '127.0.0.1', '--max-trials', '1', '--out', path.join(dir, 'search')], d.io)).toBe(1);
    expect(d.err[0]).toContain('--host is a flag of --dashboard');
    const e = capture();
    expect(await runCli(['search', '--strategy', 'darts', '--dashboard', '--out', dir], e.io)).toBe(1);
    expect(e.err[0]).toContain('--dashboard follows a trial store, which --strategy darts does not keep');
    const f = capture();
    expect(await runCli(['dashboard', dir, '--port', 'eighty'], f.io)).toBe(1);
    expect(f.err[0]).toContain('--port must be an integer from 0 to 65535');
  });

  it.skipIf(!hasChromium())('search --dashboard: trial rows appear while a real tiny search runs, the Pareto chart and an architecture graph render', async () => {
    const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'autonas-dash-search-')), 'mnist-tiny');
    const browser = await launchTestBrowser();
    try {
      const c = capture();
      let finished = false;
      const search = runCli(
        ['search', '--dashboard', '--port', '0', '--max-trials', '4', '--strategy', 'evolution', '--workers', '1', '--train-size', '1500', '--trial-samples', '600', '--trial-validation', '300', '--retrain-epochs', '1', '--backend', 'wasm', '--seed', '3', '--out', dir],
        c.io,
      ).finally(() => (finished = true));
      const [, url] = await lineMatching(c.out, /^dashboard: (http:\/\/127\.0\.0\.1:\d+\/) \(1 experiment directory, read-only\)$/, () => finished);
      const { page } = browser;
      await page.goto(url!);
      await page.waitForSelector('#trials tbody tr[data-trial]', { timeout: 240_000 });
      const rowsWhileRunning = await page.$$eval('#trials tbody tr', (r) => r.length);
      const sawItLive = !finished;
      await page.waitForFunction(() => Number(document.querySelector('#pareto-params')?.getAttribute('data-points')) >= 1, undefined, { timeout: 240_000 });
      const liveState = await page.textContent('#state');
      const liveGraphNodes = await page.$$eval('#graph svg g.node', (n) => n.length);
      const livePareto = await page.$$eval('#pareto-params canvas', (n) => n.length);
      expect(await search).toBe(0);
      expect(c.err).toEqual([]);
      expect(sawItLive).toBe(true);
      expect(rowsWhileRunning).toBeGreaterThanOrEqual(1);
      expect(liveState).toBe('running');
      expect(livePareto).toBe(1);
      expect(liveGraphNodes).toBeGreaterThanOrEqual(3);
      expect(c.out.join('\n')).toMatch(/dashboard: stopped with the search/);

      // The finished experiment, served by `autonas dashboard DIR`.
      const d = capture();
      let dashboard: Dashboard | undefined;
      const served = runDashboardCommand([dir, '--port', '0'], d.io, (x) => (dashboard = x));
      const [, url2] = await lineMatching(d.out, /^dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/, () => false);
      await page.goto(url2!);
      await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'finished');
      const report = JSON.parse(await fs.readFile(path.join(dir, 'report.json'), 'utf8'));
      expect(await page.$$eval('#trials tbody tr', (r) => r.length)).toBe(report.trials.length);
      expect(Number(await page.getAttribute('#pareto-params', 'data-points'))).toBe(report.trials.filter((t: { status: string }) => t.status === 'completed').length);
      expect(Number(await page.getAttribute('#pareto-params', 'data-front'))).toBeGreaterThanOrEqual(1);
      expect(await page.textContent('#headline')).toContain(`baseline ${(report.baseline.score * 100).toFixed(2)}%`);
      expect(await page.textContent('#headline')).toContain(`test accuracy ${(report.test.accuracy * 100).toFixed(2)}%`);
      expect(await page.textContent('#plan')).toContain('planned');
      expect(await page.getAttribute('#graph', 'data-nodes')).toBe(String(report.best.architecture.nodes.length));
      const shot = await page.screenshot({ fullPage: true });
      expect(shot.subarray(1, 4).toString()).toBe('PNG');
      if (process.env.AUTONAS_UPDATE_SCREENSHOT === '1') await fs.writeFile(DOCS_SCREENSHOT, shot);
      await dashboard!.close();
      expect(await served).toBe(0);
    } finally {
      await browser.close();
    }
  }, 400_000);
});
