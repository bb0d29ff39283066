// Peak resident memory while some work runs: shared by the memory tests and bench/ (plain .mjs,
// so the benchmarks can import it without a build).
import { performance } from 'node:perf_hooks';

/** Runs `work`, sampling RSS every 10 ms: its result, seconds taken, and peak growth in bytes. */
export async function peakRss(work) {
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  try {
    const started = performance.now();
    const result = await work();
    const seconds = (performance.now() - started) / 1000;
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, seconds, growth: peak - baseline };
  } finally {
    clearInterval(timer);
  }
}
