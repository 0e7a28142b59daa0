// A progress bar on stderr: step, loss, tokens/s, ETA. Redrawn in place on a terminal; otherwise one
// line every ~5% of the run, so logs stay short.
const fmtTime = (s: number) => (Number.isFinite(s) ? `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}` : '?');

export class Progress {
  private readonly start = performance.now();
  private readonly tty = process.stderr.isTTY === true;
  private lastLine = -1;

  constructor(private readonly total: number, private readonly first = 0) {}

  /** Draw after step `step` (1-based) with its loss and throughput. */
  update(step: number, loss: number, tokPerS: number): void {
    const done = step - this.first, left = this.total - step;
    const elapsed = (performance.now() - this.start) / 1000;
    const eta = done > 0 ? (elapsed / done) * left : NaN;
    const w = 24, fill = Math.round((w * step) / this.total);
    const line = `step ${step}/${this.total} [${'='.repeat(fill)}${' '.repeat(w - fill)}] loss ${loss.toFixed(4)} | ${Math.round(tokPerS)} tok/s this step | ETA ${fmtTime(eta)}`;
    if (this.tty) process.stderr.write(`\r${line}\x1b[K`);
    else {
      const bucket = Math.floor((20 * step) / this.total);
      if (bucket !== this.lastLine || step === this.total) process.stderr.write(line + '\n');
      this.lastLine = bucket;
    }
  }

  /** A message on its own line (keeps the bar intact on a terminal). */
  log(msg: string): void {
    process.stderr.write(this.tty ? `\r\x1b[K${msg}\n` : msg + '\n');
  }

  done(): void {
    if (this.tty) process.stderr.write('\n');
  }
}
