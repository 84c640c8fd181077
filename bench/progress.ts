/**
 * The live line on stderr: one line rewritten in place on a terminal, a line per step
 * otherwise (CI logs), so a run is never silent for minutes.
 */
export class Progress {
  private readonly start = Date.now();
  private readonly tty = process.stderr.isTTY === true;
  private stage = '';
  private step = 0;
  private steps = 0;
  private detail = '';
  private timer: NodeJS.Timeout | undefined;
  private lastWidth = 0;

  constructor(private readonly totalStages: number) {}

  /** Enters a stage of `steps` steps. */
  begin(stage: string, steps: number, index: number): void {
    this.stage = `[${index}/${this.totalStages}] ${stage}`;
    this.step = 0;
    this.steps = steps;
    this.detail = '';
    if (this.tty && this.timer === undefined) {
      this.timer = setInterval(() => this.render(), 250);
      this.timer.unref();
    }
    this.render(true);
  }

  /** Marks one step done (or sets the detail shown). */
  update(detail: string, advance = true): void {
    if (advance) this.step++;
    this.detail = detail;
    this.render(!this.tty);
  }

  done(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  private clear(): void {
    if (this.tty && this.lastWidth > 0) process.stderr.write(`\r${' '.repeat(this.lastWidth)}\r`);
    this.lastWidth = 0;
  }

  private render(force = false): void {
    if (!this.tty && !force) return;
    const elapsed = Math.round((Date.now() - this.start) / 1000);
    const clock = `${Math.floor(elapsed / 60)}:${String(elapsed % 60).padStart(2, '0')}`;
    const width = 20;
    const filled = this.steps > 0 ? Math.min(width, Math.round((this.step / this.steps) * width)) : 0;
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    let line = `${clock} ${this.stage} [${bar}] ${this.step}/${this.steps} ${this.detail}`;
    const columns = process.stderr.columns ?? 120;
    if (this.tty && line.length > columns - 1) line = line.slice(0, columns - 1);
    if (this.tty) {
      process.stderr.write(`\r${line}${' '.repeat(Math.max(0, this.lastWidth - line.length))}`);
      this.lastWidth = line.length;
    } else {
      process.stderr.write(`${line}\n`);
    }
  }
}
