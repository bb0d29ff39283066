/**
 * Quantiles of a listing in one pass and bounded memory: every `step`-th key is kept with its position
 * (its rank among the keys counted), and when `capacity` are kept, every other one is dropped and the
 * step doubles. At the end the kept keys sit at known, evenly spaced positions, so a split point is
 * at most step/2 keys from where it should be, and the count on each side of it is exact.
 */
export interface RankedKey {
  /** 1-based: the first key counted has position 1. */
  position: number;
  key: string;
}

export class KeySample {
  private kept: RankedKey[] = [];
  private step = 1;
  private count = 0;

  constructor(private readonly capacity: number) {}

  /** Keys counted so far. */
  get total(): number {
    return this.count;
  }

  /** Counts the next key, in listing order; `usable` false keeps it from being a split point. */
  add(key: string, usable = true): void {
    this.count++;
    if (this.count % this.step !== 0 || !usable) return;
    this.kept.push({ position: this.count, key });
    if (this.kept.length >= this.capacity) {
      this.step *= 2;
      this.kept = this.kept.filter((k) => k.position % this.step === 0);
    }
  }

  /**
   * Up to `parts - 1` kept keys that cut the keys counted into `parts` runs of nearly equal size,
   * in order, each strictly inside (never the last key, which would leave an empty run after it).
   */
  splitPoints(parts: number): RankedKey[] {
    const points: RankedKey[] = [];
    let from = 0;
    for (let i = 1; i < parts; i++) {
      const target = Math.round((this.count * i) / parts);
      // The kept key nearest the target, after the previous point.
      let best: RankedKey | undefined;
      for (let j = from; j < this.kept.length; j++) {
        const candidate = this.kept[j]!;
        if (candidate.position >= this.count) break;
        if (best !== undefined && Math.abs(candidate.position - target) >= Math.abs(best.position - target)) break;
        best = candidate;
        from = j + 1;
      }
      if (best === undefined) break;
      points.push(best);
    }
    return points;
  }
}
