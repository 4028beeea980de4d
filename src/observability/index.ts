export { PowertoolsEngineMetrics } from './engine-metrics.ts';
export { METRIC, METRICS_NAMESPACE, METRICS_SERVICE } from './metric-names.ts';
export {
  createLogger,
  createMetrics,
  type LogFields,
  type StructuredLogger,
  structuredLogger,
} from './powertools.ts';
