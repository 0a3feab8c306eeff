/** Where CLI output goes (replaceable in tests). */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** A terminal for live progress bars (`autonas search`); without one, progress is printed as lines only. */
  readonly progress?: import('./progress.js').ProgressStream;
}
