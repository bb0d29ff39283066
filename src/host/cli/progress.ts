import cliProgress from 'cli-progress';
import type { Progress } from '../core/connector.js';

export interface ProgressView {
  update(p: Progress): void;
  /** Clears the bar so later lines start on a clean row. */
  stop(): void;
  /** Writes a line above the bar without garbling it (log lines, the Ctrl-C notice). */
  log(line: string): void;
}

/**
 * A progress bar on stderr, for bulk resizes and large transfers: only when stderr is a terminal,
 * so pipes, CI logs and `--json` consumers never see control characters. Created on the first report,
 * since most actions never report progress.
 *
 * cli-progress's MultiBar, with one bar: it moves the cursor relative to the lines it drew, and
 * prints log lines above the bar. Its SingleBar saves and restores the absolute cursor position, so a
 * line written below the bar was overwritten when the bar was cleared.
 */
export function progressView(stream: NodeJS.WriteStream): ProgressView {
  let bars: cliProgress.MultiBar | undefined;
  let bar: cliProgress.SingleBar | undefined;
  if (!stream.isTTY) return { update: () => {}, stop: () => {}, log: (line) => stream.write(`${line}\n`) };
  return {
    update({ done, total, message }) {
      if (!bars || !bar) {
        bars = new cliProgress.MultiBar(
          {
            stream,
            format: total === undefined ? '{value} done {message}' : '{bar} {percentage}% {value}/{total} {message}',
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar = bars.create(total ?? 0, done, { message: message ?? '' });
      } else {
        if (total !== undefined) bar.setTotal(total);
        bar.update(done, { message: message ?? '' });
      }
      // Drawn at once: reports arrive throttled already (throttleProgress), and the run may end first.
      bars.update();
    },
    stop() {
      bars?.stop();
      bars = undefined;
      bar = undefined;
    },
    log(line) {
      if (!bars) {
        stream.write(`${line}\n`);
        return;
      }
      bars.log(`${line}\n`);
      bars.update();
    },
  };
}
