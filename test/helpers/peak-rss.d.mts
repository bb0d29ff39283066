/** Runs `work`, sampling RSS every 10 ms: its result, seconds taken, and peak growth in bytes. */
export function peakRss<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number; growth: number }>;
