import { parseArgs } from 'node:util';
import fs from 'node:fs/promises';
import { AutonasError } from 'autonas';
import { DEFAULT_DASHBOARD_PORT, startDashboard, type Dashboard, type PlannedFigures } from '@autonas/dashboard';
import type { CliIo } from './io.js';

export const DASHBOARD_HELP = `autonas dashboard DIR... [options]

Serves a live web page of one or more experiment directories (each the --out of autonas search,
running or finished): the trials table, best so far, accuracy against parameters and seconds with
the Pareto front, learning curves, the baseline, the plan against what was spent, each
architecture as a graph, and DARTS' α per edge. It reads each directory's SQLite store read-only
and writes nothing. Ctrl-C stops it.

  --host ADDR             address to bind                                   [127.0.0.1]
  --port N                port (0: any free one)                            [${DEFAULT_DASHBOARD_PORT}]
  --allow-remote          allow a --host that is not a loopback address (anyone who can reach it
                          sees the experiments; there is no login)
  -h, --help              this text
`;

/** The flags `autonas search` takes for {@link startSearchDashboard}. */
export const SEARCH_DASHBOARD_OPTIONS = {
  dashboard: { type: 'boolean' }, host: { type: 'string' }, port: { type: 'string' }, 'allow-remote': { type: 'boolean' },
} as const;

/** The help lines of those flags. */
export const SEARCH_DASHBOARD_HELP = `  --dashboard             serve the live dashboard of this search while it runs (see autonas
                          dashboard --help; it stops with the search)
  --host ADDR, --port N   where it listens                                 [127.0.0.1, ${DEFAULT_DASHBOARD_PORT}]
  --allow-remote          allow a --host that is not a loopback address
`;

interface ServeFlags {
  readonly host?: string;
  readonly port?: string;
  readonly 'allow-remote'?: boolean;
}

async function serve(directories: readonly string[], flags: ServeFlags, io: CliIo): Promise<Dashboard> {
  const port = flags.port === undefined ? DEFAULT_DASHBOARD_PORT : Number(flags.port);
  if (flags.port !== undefined && (!/^\d+$/.test(flags.port) || port > 65535)) throw new AutonasError('BAD_ARGUMENT', `--port must be an integer from 0 to 65535, got "${flags.port}"`);
  const d = await startDashboard({ directories, host: flags.host, port, allowRemote: flags['allow-remote'] === true });
  io.out(`dashboard: ${d.url} (${directories.length} experiment director${directories.length === 1 ? 'y' : 'ies'}, read-only)`);
  return d;
}

/**
 * Starts the dashboard beside `autonas search --dashboard` on its `--out` directory; `undefined`
 * without `--dashboard` (then `--host`, `--port` and `--allow-remote` are refused).
 * @param out - the search's experiment directory
 * @param flags - the search's parsed flags
 * @param strategy - the search's strategy (darts keeps no trial store, so it is refused)
 * @param io - where the address is printed
 */
export async function startSearchDashboard(out: string, flags: ServeFlags & { readonly dashboard?: boolean }, strategy: string, io: CliIo): Promise<{ close(): Promise<void>; setPlan(plan: PlannedFigures): void } | undefined> {
  if (!flags.dashboard) {
    const stray = (['host', 'port', 'allow-remote'] as const).find((k) => flags[k] !== undefined);
    if (stray) throw new AutonasError('BAD_ARGUMENT', `--${stray} is a flag of --dashboard`);
    return undefined;
  }
  if (strategy === 'darts') throw new AutonasError('BAD_ARGUMENT', '--dashboard follows a trial store, which --strategy darts does not keep; run "autonas dashboard DIR" on its --out when it ends (report.json has α per edge)');
  await fs.mkdir(out, { recursive: true });
  const d = await serve([out], flags, io);
  return {
    setPlan: (plan) => d.setPlan(0, plan),
    close: async () => {
      await d.close();
      io.out(`dashboard: stopped with the search; "autonas dashboard ${out}" shows the finished experiment`);
    },
  };
}

/**
 * Runs `autonas dashboard DIR…`: resolves with the exit code once the server stops (SIGINT,
 * SIGTERM, or the `close` of the dashboard handed to `started`).
 * @param args - the arguments after `dashboard`
 * @param io - where lines go
 * @param started - receives the running dashboard (tests stop it through this)
 */
export async function runDashboardCommand(args: readonly string[], io: CliIo, started?: (d: Dashboard) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { host: { type: 'string' }, port: { type: 'string' }, 'allow-remote': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.out(DASHBOARD_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new AutonasError('BAD_ARGUMENT', 'autonas dashboard needs at least one experiment directory (the --out of autonas search)');
  const d = await serve(positionals, values, io);
  const closed = new Promise<void>((resolve) => {
    const close = d.close;
    Object.assign(d, { close: () => close().finally(resolve) });
  });
  const stop = () => void d.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  started?.(d);
  try {
    await closed;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return 0;
}
