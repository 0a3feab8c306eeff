import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigurationError } from '@autonas/core';
import { ExperimentReader, type PlannedFigures } from './experiment-reader.js';
import type { ExperimentListView } from './view.js';

/** The port `autonas dashboard` listens on unless told otherwise. */
export const DEFAULT_DASHBOARD_PORT = 8790;

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** Experiment directories (each an `autonas search --out`), shown in this order. */
  readonly directories: readonly string[];
  /** Address to bind. Default `127.0.0.1`; any other than a loopback address needs `allowRemote`. */
  readonly host?: string;
  /** Port; 0 picks a free one. Default {@link DEFAULT_DASHBOARD_PORT}. */
  readonly port?: number;
  /** Allow binding a non-loopback address (the page and the trials become visible to the network). Default false. */
  readonly allowRemote?: boolean;
  /** How often the directories are checked for changes, in milliseconds. Default 500. */
  readonly pollMs?: number;
  /** The built page's folder. Default: this package's `dist/web`. */
  readonly webRoot?: string;
}

/** A running dashboard server. */
export interface Dashboard {
  /** Where to point a browser, e.g. `http://127.0.0.1:8790/`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Shows the plan of a search running in this process until its report.json has it. */
  setPlan(index: number, planned: PlannedFigures): void;
  /** Stops the server, ends the live streams and closes the stores. */
  close(): Promise<void>;
}

/** The built page, beside this file's folder whether it runs from `src/` or `dist/`. */
export const BUILT_PAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/web');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.woff2': 'font/woff2',
};

/** Headers of every response: the page may load only its own files and talk only to this server. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * Whether `host` is a loopback address or name (`127.0.0.0/8`, `::1`, `localhost`).
 * @param host - a host name or IP address
 * @example
 * ```ts
 * import { isLoopbackHost } from '@autonas/dashboard';
 * console.log(isLoopbackHost('127.0.0.1'), isLoopbackHost('0.0.0.0')); // true false
 * ```
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/** Reads the built page once, at start: the server serves these bytes and nothing else from disk. */
function loadPage(root: string): Map<string, { body: Buffer; type: string }> {
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    throw new ConfigurationError('DASHBOARD_NOT_BUILT', `the dashboard's page is not built (no ${path.join(root, 'index.html')}); run "npm run build" at the workspace root`);
  }
  const files = new Map<string, { body: Buffer; type: string }>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) files.set(`/${path.relative(root, p).split(path.sep).join('/')}`, { body: fs.readFileSync(p), type: TYPES[path.extname(e.name)] ?? 'application/octet-stream' });
    }
  };
  walk(root);
  files.set('/', files.get('/index.html')!);
  return files;
}

function checkOptions(o: DashboardOptions): { host: string; port: number } {
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? DEFAULT_DASHBOARD_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigurationError('BAD_PORT', `the dashboard's port must be an integer from 0 to 65535, got ${port}`);
  if (!isLoopbackHost(host) && !o.allowRemote) {
    throw new ConfigurationError('NON_LOOPBACK_HOST', `refusing to serve the dashboard on ${host}, which is not a loopback address: anyone who can reach it would see the experiments; allow it explicitly (allowRemote, --allow-remote) or bind 127.0.0.1`);
  }
  if (o.directories.length === 0) throw new ConfigurationError('NO_DIRECTORIES', 'the dashboard needs at least one experiment directory');
  for (const d of o.directories) {
    if (!fs.statSync(d, { throwIfNoEntry: false })?.isDirectory()) throw new ConfigurationError('NO_SUCH_DIRECTORY', `${d} is not a directory (an experiment directory is the --out of autonas search)`);
  }
  return { host, port };
}

/**
 * Serves the live dashboard of one or more experiment directories: the built page, and read-only
 * JSON of each directory's trials (its SQLite store opened read-only, its report.json), with a
 * server-sent event whenever a directory changes. Binds to 127.0.0.1 unless told otherwise, and
 * refuses a non-loopback address unless `allowRemote` is set. Only the page's own files are served
 * (read into memory at start, looked up by exact path); any other path gets 404, one with `..`
 * or a backslash 400.
 *
 * @param options - directories, host, port
 * @returns the running server; `close()` stops it
 * @throws ConfigurationError `NON_LOOPBACK_HOST`, `BAD_PORT`, `NO_DIRECTORIES`, `NO_SUCH_DIRECTORY`,
 *   `DASHBOARD_NOT_BUILT`, `PORT_IN_USE`, `BAD_HOST`
 * @example
 * ```ts
 * import { startDashboard } from '@autonas/dashboard';
 * const dashboard = await startDashboard({ directories: ['out/mnist'], port: 0 });
 * console.log(`dashboard: ${dashboard.url}`);
 * await dashboard.close();
 * ```
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { host, port } = checkOptions(options);
  const page = loadPage(options.webRoot ?? BUILT_PAGE);
  const readers = options.directories.map((d, i) => new ExperimentReader(d, i));
  const streams = new Set<http.ServerResponse>();
  const loopback = isLoopbackHost(host);
  const send = (res: http.ServerResponse, status: number, body: string | Buffer, type: string, extra: http.OutgoingHttpHeaders = {}) => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body), ...extra });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  };
  const sendJson = (res: http.ServerResponse, status: number, value: unknown) => send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');

  const server = http.createServer((req, res) => {
    // A page on another site that resolves its own name to 127.0.0.1 (DNS rebinding) sends its own Host.
    const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (loopback && !isLoopbackHost(hostHeader)) return sendJson(res, 421, { error: 'MISDIRECTED', message: 'this dashboard answers only requests for a loopback host' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'read-only', 'text/plain; charset=utf-8', { allow: 'GET, HEAD' });
    const raw = (req.url ?? '/').split('?')[0]!;
    let p: string;
    try {
      p = decodeURIComponent(raw);
    } catch {
      return sendJson(res, 400, { error: 'BAD_PATH', message: 'the path is not valid percent-encoding' });
    }
    if (!p.startsWith('/') || p.includes('..') || p.includes('\\') || p.includes('\0')) return sendJson(res, 400, { error: 'BAD_PATH', message: 'path refused' });
    if (p === '/api/experiments') {
      const list: ExperimentListView = { experiments: readers.map((r) => ({ index: r.index, name: r.name })) };
      return sendJson(res, 200, list);
    }
    const m = /^\/api\/experiments\/(\d{1,6})$/.exec(p);
    if (m) {
      const reader = readers[Number(m[1])];
      return reader ? sendJson(res, 200, reader.view()) : sendJson(res, 404, { error: 'NO_SUCH_EXPERIMENT', message: `no experiment ${m[1]}` });
    }
    if (p === '/api/events') {
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write('retry: 2000\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    const file = page.get(p);
    if (!file) return sendJson(res, 404, { error: 'NOT_FOUND', message: 'not one of the dashboard\'s files' });
    return send(res, 200, file.body, file.type);
  });

  const signatures = readers.map((r) => r.signature());
  let version = 0;
  const poll = setInterval(() => {
    readers.forEach((r, i) => {
      const s = r.signature();
      if (s === signatures[i]) return;
      signatures[i] = s;
      version++;
      for (const res of streams) res.write(`event: change\ndata: ${JSON.stringify({ experiment: i, version })}\n\n`);
    });
  }, options.pollMs ?? 500);
  const ping = setInterval(() => {
    for (const res of streams) res.write(': ping\n\n');
  }, 15_000);
  const stop = () => {
    clearInterval(poll);
    clearInterval(ping);
    for (const r of readers) r.close();
  };

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    stop();
    const code = (e as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new ConfigurationError('PORT_IN_USE', `port ${port} of ${host} is in use; pick another with --port (0: any free port)`, { cause: e });
    throw new ConfigurationError('BAD_HOST', `cannot serve the dashboard on ${host}:${port} (${(e as Error).message})`, { cause: e });
  }
  const bound = (server.address() as net.AddressInfo).port;
  const urlHost = net.isIPv6(host) ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${bound}/`,
    host,
    port: bound,
    setPlan: (index, planned) => {
      if (readers[index]) readers[index].planned = planned;
    },
    close: async () => {
      stop();
      for (const res of streams) res.end();
      streams.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
