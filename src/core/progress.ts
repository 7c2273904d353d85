/**
 * How far the crawl is: a count with an ETA for the per-request log lines, and a cli-progress bar
 * when the output is a terminal. While the bar is drawn, log lines are printed above it.
 */
import { Writable } from 'node:stream';
import { MultiBar, Presets, SingleBar } from 'cli-progress';

export class Progress {
  /** Requests finished so far. */
  done = 0;
  private total = 0;
  private startedAt = Date.now();
  private readonly multiBar: MultiBar | undefined;
  private bar: SingleBar | undefined;

  /** With `showBar`, draws a bar on stderr once `start` is called. */
  constructor(showBar: boolean) {
    if (!showBar) return;
    this.multiBar = new MultiBar(
      {
        stream: process.stderr,
        format: ' {bar} {percentage}% | {value}/{total} | ETA {eta_formatted} | {last}',
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
      },
      Presets.shades_classic,
    );
  }

  /** The crawl knows how many requests it will run. */
  start(total: number): void {
    this.total = total;
    this.startedAt = Date.now();
    this.bar = this.multiBar?.create(total, 0, { last: '' });
  }

  /** More requests to run, found on the way (links followed): the total grows. */
  grow(count: number): void {
    this.total += count;
    this.bar?.setTotal(this.total);
  }

  /** A stream for log lines that keeps them above the bar (or undefined when there is no bar). */
  logStream(): Writable | undefined {
    const multiBar = this.multiBar;
    if (!multiBar) return undefined;
    return new Writable({
      write(chunk: Buffer, _encoding, callback) {
        const text = chunk.toString();
        multiBar.log(text.endsWith('\n') ? text : `${text}\n`);
        callback();
      },
    });
  }

  /** Counts `count` finished units of work; returns `12/30 40% ETA 0:05` for its log line. */
  tick(label: string, count = 1): string {
    this.done += count;
    this.bar?.increment(count, { last: label });
    return progressText(this.done, this.total, Date.now() - this.startedAt);
  }

  stop(): void {
    this.multiBar?.stop();
  }
}

/** `12/30 40% ETA 0:05`: `done` of `total` after `elapsedMs`, and the time left at that pace. */
export function progressText(done: number, total: number, elapsedMs: number): string {
  const percent = total ? Math.floor((done * 100) / total) : 100;
  const etaMs = done === 0 ? 0 : (elapsedMs / done) * (total - done);
  return `${done}/${total} ${percent}% ETA ${formatDuration(etaMs)}`;
}

/** `h:mm:ss` or `m:ss`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
