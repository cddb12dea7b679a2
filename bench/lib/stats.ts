/** Rounding and latency percentiles for the reports. */

export function percentile(sorted: number[], p: number) {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function round(n: number, digits = 1) {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** p50/p90/p99/max/mean in ms, rounded to 0.1 ms; zeros for no samples. */
export function latencySummary(latencies: number[]) {
  const lat = [...latencies].sort((a, b) => a - b);
  return { p50: round(percentile(lat, 50)), p90: round(percentile(lat, 90)), p99: round(percentile(lat, 99)), max: round(lat.at(-1) ?? 0), mean: round(lat.reduce((a, b) => a + b, 0) / (lat.length || 1)) };
}
