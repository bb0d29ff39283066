import cliProgress from 'cli-progress';
import type { Progress } from '../core/connector.js';

export interface ProgressView {
  update(p: Progress): void;
  /** Clears the bar so later lines start on a clean row. */
  stop(): void;
  /** Writes a line above the bar without garbling it. */
  log(line: string): void;
}

/**
 * A progress bar on stderr, for bulk resizes and large transfers: only when stderr is a terminal,
 * so pipes, CI logs and `--json` consumers never see control characters. Created on the first report,
 * since most actions never report progress.
 */
export function progressView(stream: NodeJS.WriteStream): ProgressView {
  let bar: cliProgress.SingleBar | undefined;
  const log = (line: string) => stream.write(bar ? `\r\x1b[K${line}\n` : `${line}\n`);
  if (!stream.isTTY) return { update: () => {}, stop: () => {}, log };
  return {
    update({ done, total, message }) {
      if (!bar) {
        bar = new cliProgress.SingleBar(
          {
            stream,
            format: total === undefined ? '{value} done {message}' : '{bar} {percentage}% {value}/{total} {message}',
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total ?? 0, done, { message: message ?? '' });
        return;
      }
      if (total !== undefined) bar.setTotal(total);
      bar.update(done, { message: message ?? '' });
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
    log,
  };
}
