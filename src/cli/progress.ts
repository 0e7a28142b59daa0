// A progress bar on stderr: step, loss, tokens/s, ETA. Redrawn in place on a terminal; otherwise one
// line every ~5% of the run, so logs stay short.
const fmtTime = (s: number) => (Number.isFinite(s) ? `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}` : '?');

export class Progress {
  private readonly tty = process.stderr.isTTY === true;
  private lastLine = -1;
  /** When the first step drawn ended: it carries start-up and warm-up, so the ETA times the steps after it. */
  private from: { ms: number; step: number } | null = null;

  constructor(private readonly total: number) {}

  /** Draw after step `step` (1-based) with its loss and throughput. */
  update(step: number, loss: number, tokPerS: number): void {
    const now = performance.now();
    this.from ??= { ms: now, step };
    const done = step - this.from.step, left = this.total - step;
    const eta = done > 0 ? ((now - this.from.ms) / 1000 / done) * left : NaN;
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
