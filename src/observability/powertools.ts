import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, METRICS_SERVICE } from './metric-names.ts';

/** Structured fields of a log line (run and task ids become top-level JSON keys). */
export type LogFields = Record<string, unknown>;

/** The logger shape the runtime and the API take: `{ debug, info, warn, error }(message, fields)`. */
export interface StructuredLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A Powertools Metrics instance in weft's namespace, with the `service` dimension the alarms use. */
export function createMetrics(): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });
}

/** A Powertools Logger for one function (`weft-api`, `weft-worker`, ...): JSON lines on stdout. */
export function createLogger(functionRole: string): Logger {
  return new Logger({ serviceName: METRICS_SERVICE, persistentKeys: { component: functionRole } });
}

/**
 * Adapts a Powertools Logger to the `(message, fields)` shape: fields such as `runId` and `taskId` become
 * keys of the JSON log line, so CloudWatch Logs Insights can filter on them.
 *
 * @example
 * const log = structuredLogger(createLogger('worker'));
 * log.info('task claimed', { runId, taskId, attempt });
 */
export function structuredLogger(logger: Logger): StructuredLogger {
  return {
    debug: (message, fields = {}) => logger.debug(message, fields),
    info: (message, fields = {}) => logger.info(message, fields),
    warn: (message, fields = {}) => logger.warn(message, fields),
    error: (message, fields = {}) => logger.error(message, fields),
  };
}
