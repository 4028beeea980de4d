import { type EngineMetrics, noopMetrics } from '../../src/runtime/metrics.ts';

/** Engine metrics that record each CAS attempt and conflict as `attempt:<kind>` / `conflict:<kind>`. */
export function casMetrics(): { metrics: EngineMetrics; seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    metrics: {
      ...noopMetrics,
      casAttempt: (kind) => seen.push(`attempt:${kind}`),
      casConflict: (kind) => seen.push(`conflict:${kind}`),
    },
  };
}
