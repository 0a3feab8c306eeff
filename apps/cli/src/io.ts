/** Where CLI output goes (replaceable in tests). */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}
