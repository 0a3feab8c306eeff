import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STORE_FILE } from '@autonas/store-sqlite';
import { isLoopbackHost, startDashboard, type Dashboard } from './server.js';
import { chain, experimentDir, trial } from './fixture.test-util.js';
import type { ExperimentView } from './view.js';

/** A raw GET (the path sent as it is, unnormalised, as an attacker would send it). */
function get(d: Dashboard, rawPath: string, headers: http.OutgoingHttpHeaders = {}, method = 'GET'): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: d.port, path: rawPath, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Subscribes to the server-sent events; `ready` once subscribed, `change` at the first `change` event. */
function subscribe(d: Dashboard): { ready: Promise<void>; change: Promise<{ experiment: number }> } {
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const change = new Promise<{ experiment: number }>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: d.port, path: '/api/events' }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        if (buf.startsWith('retry:')) ready();
        const m = /event: change\ndata: (.*)\n\n/.exec(buf);
        if (m) {
          req.destroy();
          resolve(JSON.parse(m[1]!));
        }
      });
    });
    req.on('error', (e) => ((e as { code?: string }).code === 'ECONNRESET' ? undefined : reject(e)));
  });
  return { ready: isReady, change };
}

const open: Dashboard[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});
async function start(...args: Parameters<typeof startDashboard>) {
  const d = await startDashboard(...args);
  open.push(d);
  return d;
}

describe('dashboard server', () => {
  it('binds 127.0.0.1 by default and refuses a non-loopback address unless asked, with typed errors', async () => {
    const { dir, store } = experimentDir();
    store.close();
    expect(isLoopbackHost('127.0.0.1') && isLoopbackHost('::1') && isLoopbackHost('localhost') && isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('0.0.0.0') || isLoopbackHost('192.168.1.10') || isLoopbackHost('::') || isLoopbackHost('example.com')).toBe(false);
    const d = await start({ directories: [dir], port: 0 });
    expect(d.host).toBe('127.0.0.1');
    expect(d.url).toBe(`http://127.0.0.1:${d.port}/`);
    for (const host of ['0.0.0.0', '::', '192.168.1.10']) {
      await expect(startDashboard({ directories: [dir], host, port: 0 })).rejects.toMatchObject({ code: 'NON_LOOPBACK_HOST' });
    }
    // Allowed explicitly, the refusal is lifted (an address of no local interface, so nothing is exposed: the bind itself fails).
    await expect(startDashboard({ directories: [dir], host: '203.0.113.7', port: 0, allowRemote: true })).rejects.toMatchObject({ code: 'BAD_HOST' });
    await expect(startDashboard({ directories: [dir], port: 70000 })).rejects.toMatchObject({ code: 'BAD_PORT' });
    await expect(startDashboard({ directories: [path.join(dir, 'nope')], port: 0 })).rejects.toMatchObject({ code: 'NO_SUCH_DIRECTORY' });
    await expect(startDashboard({ directories: [], port: 0 })).rejects.toMatchObject({ code: 'NO_DIRECTORIES' });
    await expect(startDashboard({ directories: [dir], port: d.port })).rejects.toMatchObject({ code: 'PORT_IN_USE' });
    await expect(startDashboard({ directories: [dir], port: 0, webRoot: dir })).rejects.toMatchObject({ code: 'DASHBOARD_NOT_BUILT' });
  });

  it('serves only its own files: traversal, encoded or not, is refused; other methods and foreign Host headers too', async () => {
    const { dir, store } = experimentDir();
    store.close();
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'TOP-SECRET');
    const d = await start({ directories: [dir], port: 0 });
    const page = await get(d, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>autonas dashboard</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const asset = /src="\.\/(assets\/[^"]+\.js)"/.exec(page.body)![1]!;
    expect((await get(d, `/${asset}`)).status).toBe(200);
    const attempts = [
      '/../../etc/passwd', '/..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd', '/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/%252e%252e%252fetc%252fpasswd',
      '/assets/..%5c..%5c..%5cpackage.json', '/..\\..\\etc\\passwd', '/index.html%00.js', '/%c0%ae%c0%ae/etc/passwd', '/etc/passwd', '//etc/passwd',
      '/../src/server.ts', '/src/server.ts', '/package.json', '/secret.txt', `/${path.basename(dir)}/secret.txt`, `/${STORE_FILE}`, '/api/experiments/0/../../../etc/passwd',
    ];
    for (const p of attempts) {
      const r = await get(d, p);
      expect([400, 404], p).toContain(r.status);
      expect(r.body, p).not.toMatch(/root:|TOP-SECRET|"name": "@autonas|SQLite/);
    }
    expect((await get(d, '/api/experiments/0', {}, 'POST')).status).toBe(405);
    expect((await get(d, '/api/experiments/0', {}, 'DELETE')).status).toBe(405);
    expect((await get(d, '/', { host: 'evil.example:80' })).status).toBe(421);
    expect((await get(d, '/api/experiments/7')).status).toBe(404);
  });

  it('reads a store read-only: trials, baseline and plan, and sends an event when a trial arrives', async () => {
    const { dir, store } = experimentDir('my-search');
    store.saveMeta('baseline', { score: 0.81, params: 19706, seconds: 3.5 });
    store.put(trial(0, chain(8, 2), 0.84));
    store.put(trial(1, chain(16, 3), undefined, { status: 'failed', error: 'out of memory' }));
    const d = await start({ directories: [dir], port: 0, pollMs: 50 });
    d.setPlan(0, { trials: 4, secondsPerTrial: 10, totalSeconds: 60 });
    const list = JSON.parse((await get(d, '/api/experiments')).body);
    expect(list.experiments).toEqual([{ index: 0, name: 'my-search' }]);
    let view = JSON.parse((await get(d, '/api/experiments/0')).body) as ExperimentView;
    expect(view.state).toBe('running');
    expect(view.trials.map((t) => [t.id, t.status, t.score])).toEqual([[0, 'completed', 0.84], [1, 'failed', null]].map(([a, b, c]) => [a, b, c ?? undefined]));
    expect(view.trials[0]!.fidelity).toBe('2 epochs × 600 images');
    expect(view.trials[0]!.summary).toBe('conv2d(8,3,relu) > conv2d(8,3,relu) > classifier(10)');
    expect(view.trials[0]!.nodes.map((n) => n.op)).toEqual(['input', 'conv2d', 'conv2d', 'classifier']);
    expect(view.trials[1]!.error).toBe('out of memory');
    expect(view.baseline).toEqual({ score: 0.81, params: 19706, seconds: 3.5, source: 'store' });
    expect(view.plan.planned).toEqual({ trials: 4, secondsPerTrial: 10, totalSeconds: 60 });
    expect(view.plan.spent.trials).toBe(2);
    expect(view.bestId).toBe(0);
    const events = subscribe(d);
    await events.ready;
    store.put(trial(2, chain(32, 1), 0.9));
    expect(await events.change).toEqual(expect.objectContaining({ experiment: 0 }));
    view = JSON.parse((await get(d, '/api/experiments/0')).body) as ExperimentView;
    expect(view.trials).toHaveLength(3);
    expect(view.bestId).toBe(2);
    // A trial tagged as the baseline (the AutoModel pipeline records it as a trial) is the baseline's line.
    store.put(trial(3, chain(4, 1), 0.7, { metrics: { params: 500, role: 'baseline' } as never }));
    await new Promise((r) => setTimeout(r, 120));
    view = JSON.parse((await get(d, '/api/experiments/0')).body) as ExperimentView;
    expect(view.trials[3]!.role).toBe('baseline');
    expect(view.baseline).toMatchObject({ score: 0.7, source: 'trial', trialId: 3 });
    expect(view.bestId).toBe(2);
    store.close();
    // The dashboard wrote nothing: no file beside the store's own, and the store's last write is the test's.
    expect(fs.readdirSync(dir).every((f) => f.startsWith(STORE_FILE))).toBe(true);
  });

  it('follows a new search that replaces the store, and reads report.json (plan, baseline, DARTS α)', async () => {
    const { dir, store } = experimentDir();
    store.put(trial(0, chain(8, 2), 0.5));
    store.close();
    const d = await start({ directories: [dir], port: 0, pollMs: 50 });
    expect((JSON.parse((await get(d, '/api/experiments/0')).body) as ExperimentView).trials).toHaveLength(1);
    for (const s of ['', '-wal', '-shm']) fs.rmSync(path.join(dir, STORE_FILE + s), { force: true });
    const { SqliteTrialStore } = await import('@autonas/store-sqlite');
    const fresh = new SqliteTrialStore({ path: path.join(dir, STORE_FILE) });
    fresh.put(trial(0, chain(4, 1), 0.6));
    fresh.put(trial(1, chain(4, 2), 0.65));
    fresh.close();
    fs.writeFileSync(path.join(dir, 'report.json'), JSON.stringify({
      strategy: 'darts', plan: { trials: 2, secondsPerTrial: 9, totalSeconds: 40, memoryBytes: 2 ** 28 }, baseline: { score: 0.55, params: 100 }, searchSeconds: 21, totalSeconds: 44, test: { accuracy: 0.93, loss: 0.2 },
      genotype: { normal: [['sep_conv_3x3', 0]] },
      search: { epochs: [0, 1, 2].map((e) => ({ epoch: e, valAccuracy: 0.5 + e / 10, alphas: [{ cell: 'normal', node: 0, input: 0, weights: { sep_conv_3x3: 0.2 + e / 10, skip_connect: 0.8 - e / 10 } }] })) },
    }));
    const view = JSON.parse((await get(d, '/api/experiments/0')).body) as ExperimentView;
    expect(view.trials.map((t) => t.score)).toEqual([0.6, 0.65]);
    expect(view.state).toBe('finished');
    expect(view.plan).toEqual({ planned: { trials: 2, secondsPerTrial: 9, totalSeconds: 40, memoryBytes: 2 ** 28 }, spent: { trials: 2, meanSecondsPerTrial: 8.5, searchSeconds: 21, totalSeconds: 44 } });
    expect(view.baseline).toEqual({ score: 0.55, params: 100, source: 'report' });
    expect(view.test).toEqual({ accuracy: 0.93, loss: 0.2 });
    expect(view.darts!.edges).toEqual([{ cell: 'normal', node: 0, input: 0, weights: { sep_conv_3x3: [0.2, 0.30000000000000004, 0.4], skip_connect: [0.8, 0.7000000000000001, 0.6000000000000001] } }]);
    expect(view.darts!.genotype).toBe('{"normal":[["sep_conv_3x3",0]]}');
    // A damaged report is shown as a problem, not a crash.
    fs.writeFileSync(path.join(dir, 'report.json'), '{ not json');
    const broken = JSON.parse((await get(d, '/api/experiments/0')).body) as ExperimentView;
    expect(broken.problem).toMatch(/^report\.json: /);
    expect(broken.trials).toHaveLength(2);
  });
});
