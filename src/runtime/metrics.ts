/**
 * What the engine measures. The Lambda functions implement it with Powertools Metrics (EMF); tests and the
 * benchmark count with it; by default it does nothing.
 */
export interface EngineMetrics {
  /** A conditional write was sent; `kind` names the transition (`claim`, `checkpoint`, `edge`, ...). */
  casAttempt(kind: string): void;
  /** A conditional write was refused: someone else changed the item first. */
  casConflict(kind: string): void;
  /** Dependency done (or submit) until the dependent was claimed. */
  schedulingLatency(ms: number): void;
  /** A lock was taken, after waiting this long in its line (0: it was free). */
  lockWait(ms: number): void;
  taskFinished(taskId: string, status: 'succeeded' | 'failed', durationMs: number): void;
  runFinished(status: 'succeeded' | 'failed' | 'cancelled', durationMs: number): void;
  rollbackFinished(outcome: 'completed' | 'incomplete'): void;
}

/** Metrics that go nowhere. */
export const noopMetrics: EngineMetrics = {
  casAttempt: () => {},
  casConflict: () => {},
  schedulingLatency: () => {},
  lockWait: () => {},
  taskFinished: () => {},
  runFinished: () => {},
  rollbackFinished: () => {},
};

/** Where the engine logs; Powertools Logger fits it. Fields carry run and task ids. */
export interface EngineLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything. */
export const silentLogger: EngineLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
