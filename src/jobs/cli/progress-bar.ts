import type { JobProgress } from '../job-runs.repository.js';

const WIDTH = 30;
const POLL_MS = 500;

/** One line of a progress bar, e.g. `[##########--------------------]  33% 1000/3000 top_coins_collection`. */
export function renderProgress(label: string, progress: JobProgress | null): string {
  if (!progress) return `[${' '.repeat(WIDTH)}] starting ${label}`;
  const { done, total } = progress;
  if (!total || total <= 0) return `[${'?'.repeat(WIDTH)}] ${done} done ${label}`;
  const ratio = Math.min(1, Math.max(0, done / total));
  const filled = Math.round(ratio * WIDTH);
  const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
  return `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${percent} ${done}/${total} ${label}`;
}

/**
 * Redraws the run's progress (as the runner stores it) on a terminal, in place, until stopped. Log lines
 * written in between push it down a line; the next redraw puts it back under them.
 */
export function followProgress(
  stream: NodeJS.WriteStream,
  label: string,
  read: () => Promise<JobProgress | null>,
): { stop(): void } {
  let stopped = false;
  let busy = false;
  const draw = (line: string): void => {
    if (!stopped) stream.write(`\r\x1b[2K${line.slice(0, Math.max(10, (stream.columns || 80) - 1))}`);
  };
  draw(renderProgress(label, null));
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    read()
      .then((progress) => draw(renderProgress(label, progress)))
      .catch(() => undefined) // a missed redraw is harmless; the run's own logs report real trouble
      .finally(() => (busy = false));
  }, POLL_MS);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      stream.write('\r\x1b[2K');
    },
  };
}
