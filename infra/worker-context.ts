import { Duration } from 'aws-cdk-lib';
import { formatDuration, parseDuration } from '../src/workflow/duration.ts';
import type { ContextOrigin } from './context-origin.ts';
import { rangeProblem, WORKER_LIMITS } from './orchestrator/settings.ts';

/** The context keys of the worker function's settings. */
export const WORKER_CONTEXT_KEYS = [
  'weft:workerTimeout',
  'weft:workerMemory',
  'weft:workerBatchSize',
] as const;

/** The worker's settings given as context, as the orchestrator's props; absent ones keep its defaults. */
export interface WorkerConfig {
  readonly workerTimeout?: Duration;
  readonly workerMemorySize?: number;
  readonly batchSize?: number;
}

/**
 * Reads `weft:workerTimeout` (a duration of whole seconds, `90s`, `5m`, `15m`), `weft:workerMemory` (MB)
 * and `weft:workerBatchSize` (messages per invocation), checked against `WORKER_LIMITS`. Each problem is
 * pushed to `problems` as one line naming the key and the value.
 *
 * @example
 * readWorkerContext((key) => ({ workerTimeout: '10m' })[key], () => '', problems); // { workerTimeout: 10 minutes }
 */
export function readWorkerContext(
  read: (key: string) => string | undefined,
  origin: ContextOrigin,
  problems: string[],
): WorkerConfig {
  const config: { -readonly [K in keyof WorkerConfig]: WorkerConfig[K] } = {};
  const timeout = read('workerTimeout');
  if (timeout !== undefined) {
    const ms = parseDuration(timeout);
    const { min, max } = WORKER_LIMITS.timeoutSeconds;
    if (ms !== undefined && ms % 1000 === 0 && ms >= min * 1000 && ms <= max * 1000) {
      config.workerTimeout = Duration.seconds(ms / 1000);
    } else {
      const unit = /^\d+$/.test(timeout) ? `; did you mean '${timeout}s'?` : '';
      problems.push(
        `${origin('weft:workerTimeout', timeout)}weft:workerTimeout: must be whole seconds from ${formatDuration(min * 1000)} to ${formatDuration(max * 1000)} (Lambda's limit), such as 90s, 5m or 15m, got '${timeout}'${unit}`,
      );
    }
  }
  const integer = (key: 'workerMemory' | 'workerBatchSize', range: keyof typeof WORKER_LIMITS) => {
    const text = read(key);
    if (text === undefined) return undefined;
    const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    const problem = rangeProblem(`weft:${key}`, value, WORKER_LIMITS[range], `'${text}'`);
    if (problem === undefined) return value;
    problems.push(`${origin(`weft:${key}`, text)}${problem}`);
    return undefined;
  };
  const memory = integer('workerMemory', 'memorySize');
  if (memory !== undefined) config.workerMemorySize = memory;
  const batchSize = integer('workerBatchSize', 'batchSize');
  if (batchSize !== undefined) config.batchSize = batchSize;
  return config;
}
