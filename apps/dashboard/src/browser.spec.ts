import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Architecture } from '@autonas/core';
import { startDashboard, type Dashboard } from './server.js';
import { hasChromium, launchTestBrowser, type TestBrowser } from './testing.js';
import { chain, experimentDir, trial } from './fixture.test-util.js';

/** Each payload sets a page-level flag if it ever runs. */
const SCRIPT = '<script>window.__pwned = "script"</script>';
const IMG = '<img src=x onerror="window.__pwned = \'img\'">';
const SVG_PAYLOAD = '<svg onload="window.__pwned = \'svg\'">';

describe.skipIf(!hasChromium())('dashboard page in Chromium', () => {
  let browser: TestBrowser;
  beforeAll(async () => {
    browser = await launchTestBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows <script> and <img onerror> payloads from the store as text, and runs none of them', async () => {
    // The directory's name is a payload too (it is the experiment's name on the page).
    const { dir, store } = experimentDir(`exp-${IMG.replace(/\//g, '')}`);
    const evil = { nodes: [
      { id: 'in', op: 'input', params: { shape: [4] }, inputs: [] },
      { id: `n${SCRIPT}`, op: SCRIPT, params: { label: IMG }, inputs: ['in'] },
      { id: 'out', op: 'classifier', params: { classes: 2, note: SVG_PAYLOAD }, inputs: [`n${SCRIPT}`] },
    ], space: SVG_PAYLOAD, decisions: { [`x/${IMG}`]: SCRIPT } } as Architecture;
    store.put(trial(0, evil, 0.5, { status: 'failed', error: `boom ${SCRIPT} ${IMG}` }));
    store.put(trial(1, chain(8, 1), 0.6));
    store.close();
    const d: Dashboard = await startDashboard({ directories: [dir], port: 0, pollMs: 100 });
    try {
      const { page } = browser;
      const dialogs: string[] = [];
      page.on('dialog', (dlg) => {
        dialogs.push(dlg.message());
        void dlg.dismiss();
      });
      await page.goto(d.url);
      await page.waitForSelector('#trials tbody tr[data-trial="0"]');
      await page.click('#trials tbody tr[data-trial="0"]');
      await page.waitForSelector('#graph svg g.node');
      const row = await page.textContent('#trials tbody tr[data-trial="0"]');
      expect(row).toContain(`boom ${SCRIPT} ${IMG}`);
      expect(row).toContain(`${SCRIPT}(${IMG}) > classifier(2,${SVG_PAYLOAD})`);
      expect(await page.textContent('#graph svg')).toContain(SCRIPT);
      expect(await page.textContent('#graph-title')).toContain(SVG_PAYLOAD);
      expect(await page.$eval('#experiment', (s) => (s as HTMLSelectElement).options[0]!.textContent)).toContain('<img src=x onerror=');
      // Nothing was parsed as markup: no element the payloads would create exists, and none ran.
      expect(await page.$$eval('main img, main script, header img, main iframe, #trials svg', (els) => els.length)).toBe(0);
      expect(await page.$$eval('script', (els) => els.map((e) => e.getAttribute('src') ?? 'inline'))).toEqual([expect.stringMatching(/^\.\/assets\/index-.*\.js$/)]);
      await page.waitForTimeout(300);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
      expect(dialogs).toEqual([]);
    } finally {
      await d.close();
    }
  });

  it('draws the charts with the Pareto front, the table sorts and filters, and a trial shows its graph and curve', async () => {
    const { dir, store } = experimentDir('tiny');
    store.saveMeta('baseline', { score: 0.7, params: 19706, seconds: 3 });
    const scores = [0.72, 0.8, 0.76, 0.88, 0.83];
    scores.forEach((s, i) => store.put(trial(i, chain(8 * (i + 1), 1 + (i % 3)), s)));
    store.close();
    const d = await startDashboard({ directories: [dir], port: 0 });
    try {
      const { page } = browser;
      await page.goto(d.url);
      await page.waitForSelector('#pareto-params canvas');
      expect(Number(await page.getAttribute('#pareto-params', 'data-points'))).toBe(5);
      const front = Number(await page.getAttribute('#pareto-params', 'data-front'));
      expect(front).toBeGreaterThanOrEqual(1);
      expect(front).toBeLessThanOrEqual(5);
      expect(await page.$$eval('#best-time canvas, #best-trials canvas, #pareto-seconds canvas, #curve canvas', (e) => e.length)).toBe(4);
      // The best trial (id 3) is selected at first: its graph has its 3 nodes (input, one convolution, classifier).
      expect(await page.getAttribute('#graph', 'data-nodes')).toBe('3');
      expect(await page.$$eval('#graph svg g.node', (e) => e.length)).toBe(3);
      // Sort by accuracy: best first on the first click, then ascending.
      const order = () => page.$$eval('#trials tbody tr', (rows) => rows.map((r) => r.getAttribute('data-trial')));
      await page.click('#trials th[data-key="score"]');
      expect(await order()).toEqual(['3', '4', '1', '2', '0']);
      await page.click('#trials th[data-key="score"]');
      expect(await order()).toEqual(['0', '2', '1', '4', '3']);
      await page.fill('#filter', 'conv2d(16');
      expect(await page.$$eval('#trials tbody tr', (rows) => rows.map((r) => r.getAttribute('data-trial')))).toEqual(['1']);
      expect(await page.textContent('#plan')).toContain('No plan recorded yet');
      expect(await page.textContent('#headline')).toContain('baseline 70.00%');
      if (process.env.DASHBOARD_SHOT) await page.screenshot({ path: process.env.DASHBOARD_SHOT, fullPage: true });
    } finally {
      await d.close();
    }
  });
});
