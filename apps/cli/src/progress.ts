import cliProgress from 'cli-progress';

/** A terminal to draw on: `process.stderr` when it is one. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(chunk: string): boolean;
}

/** What the CLI tells the progress display. */
export interface SearchProgress {
  /** A line of text, printed above the bars. */
  log(line: string): void;
  /** The search phase's trial count and the plan's seconds per trial (the first ETA). */
  planned(trials: number, secondsPerTrial: number): void;
  /** A search trial ended (any status). */
  trialEnded(seconds: number | undefined): void;
  /** The retraining started, for `epochs` epochs, or as many as its time allows (undefined). */
  retrainStarted(epochs: number | undefined): void;
  /** A retraining epoch ended. */
  retrainEpoch(epoch: number): void;
  /** Removes the bars' cursor handling; the last state stays on the terminal. */
  stop(): void;
}

const clock = (s: number) => (Number.isFinite(s) ? (s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`) : '?');

/**
 * Live progress bars for `autonas search` on a terminal (cli-progress): one for the search's
 * trials and one for the retraining's epochs, each with its elapsed time and an ETA. The search's
 * ETA starts from the plan's seconds per trial and is refined from the trials that ended (their
 * mean seconds); the retraining's from its epochs so far, or its time limit. Off, and every call a
 * plain line, when the stream is not a terminal, so pipes, CI logs and `--json` get lines only.
 *
 * @param stream - where to draw (stderr)
 * @param print - where lines go when there are no bars (the CLI's output)
 * @example
 * ```ts
 * import { searchProgress } from '@autonas/cli';
 * const progress = searchProgress(process.stderr, (l) => console.log(l));
 * progress.planned(5, 30);
 * progress.log('trial 1 | val acc 97.10%');
 * progress.trialEnded(28.4);
 * progress.stop();
 * ```
 */
export function searchProgress(stream: ProgressStream, print: (line: string) => void): SearchProgress {
  if (!stream.isTTY) {
    return { log: print, planned: () => {}, trialEnded: () => {}, retrainStarted: () => {}, retrainEpoch: () => {}, stop: () => {} };
  }
  const multi = new cliProgress.MultiBar(
    {
      stream: stream as unknown as NodeJS.WritableStream,
      format: ' {phase} |{bar}| {value}/{total} {unit} | elapsed {elapsed} | eta {left}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      autopadding: true,
      fps: 5,
      etaBuffer: 1000,
    },
    cliProgress.Presets.shades_classic,
  );
  let search: cliProgress.SingleBar | undefined;
  let searchStarted = 0;
  let planSeconds = 0;
  const trialSeconds: number[] = [];
  let retrain: cliProgress.SingleBar | undefined;
  let retrainStarted = 0;
  let retrainEpochs: number | undefined;
  const since = (t: number) => (performance.now() - t) / 1000;
  const searchEta = (done: number, total: number) => {
    const per = trialSeconds.length ? trialSeconds.reduce((a, b) => a + b, 0) / trialSeconds.length : planSeconds;
    return clock(Math.max(0, total - done) * per);
  };
  return {
    log: (line) => multi.log(`${line}\n`),
    planned(trials, secondsPerTrial) {
      planSeconds = secondsPerTrial;
      searchStarted = performance.now();
      search = multi.create(trials, 0, { phase: 'search ', unit: 'trials', elapsed: clock(0), left: searchEta(0, trials) });
    },
    trialEnded(seconds) {
      if (!search) return;
      if (seconds !== undefined) trialSeconds.push(seconds);
      const done = search.getProgress() * search.getTotal() + 1;
      const total = Math.max(search.getTotal(), done);
      search.setTotal(total);
      search.update(done, { elapsed: clock(since(searchStarted)), left: searchEta(done, total) });
    },
    retrainStarted(epochs) {
      retrainStarted = performance.now();
      retrainEpochs = epochs;
      search?.update({ left: clock(0) });
      // A budget's retraining runs as many epochs as its time allows: its bar grows, and its end is the budget's.
      retrain = multi.create(epochs ?? 1, 0, { phase: 'retrain', unit: epochs === undefined ? 'epochs (until the budget ends)' : 'epochs', elapsed: clock(0), left: '?' });
    },
    retrainEpoch(epoch) {
      if (!retrain) return;
      const done = epoch + 1;
      const elapsed = since(retrainStarted);
      if (retrainEpochs === undefined) {
        retrain.setTotal(done + 1);
        retrain.update(done, { elapsed: clock(elapsed), left: '?' });
        return;
      }
      retrain.update(Math.min(done, retrainEpochs), { elapsed: clock(elapsed), left: clock((elapsed / done) * Math.max(0, retrainEpochs - done)) });
    },
    stop: () => multi.stop(),
  };
}
