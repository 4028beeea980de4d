import { autoRenewMs } from '../engine/limits.ts';
import type { PlannedTask } from '../workflow/plan.ts';
import type { TaskErrorView } from './types.ts';

/** How one attempt of a handler ended. */
export type AttemptOutcome =
  | { readonly kind: 'returned'; readonly value: unknown }
  | { readonly kind: 'threw'; readonly error: TaskErrorView }
  /** The attempt outlived its timeout: recorded as a `TaskTimeout` failure. */
  | { readonly kind: 'timedOut' }
  /** Another worker holds the task now (heartbeat refused): nothing more may be written. */
  | { readonly kind: 'leaseLost' }
  /** The process is shutting down: the attempt is abandoned to lease expiry. */
  | { readonly kind: 'shutdown' };

export interface AttemptOptions {
  readonly run: (signal: AbortSignal, heartbeat: () => Promise<void>) => unknown;
  readonly timeoutMs?: number;
  /** Renews the lease; resolves false when the claim is no longer this attempt's. */
  readonly renew: () => Promise<boolean>;
  /**
   * Renew the lease this often on the handler's behalf: for tasks that declare neither a timeout nor a
   * heartbeat, so a long attempt of a live worker is never taken for lost.
   */
  readonly autoRenewMs?: number;
  readonly shutdown: AbortSignal;
}

/**
 * Runs a handler with its abort signal, timeout and heartbeat. The signal fires on timeout, lease loss or
 * shutdown; whatever the handler does afterwards is ignored (and its writes would be refused by the fence).
 */
export function runAttempt(options: AttemptOptions): Promise<AttemptOutcome> {
  const controller = new AbortController();
  return new Promise<AttemptOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: AttemptOutcome, reason?: unknown) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (renewer) clearInterval(renewer);
      options.shutdown.removeEventListener('abort', onShutdown);
      if (reason !== undefined) controller.abort(reason);
      resolve(outcome);
    };
    const onShutdown = () => finish({ kind: 'shutdown' }, new Error('the worker is shutting down'));
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(
            () => finish({ kind: 'timedOut' }, new Error(`timed out after ${options.timeoutMs} ms`)),
            options.timeoutMs,
          );
    const heartbeat = async () => {
      if (settled) return;
      const held = await options.renew();
      if (!held) finish({ kind: 'leaseLost' }, new Error('the lease was lost to another worker'));
    };
    const renewer =
      options.autoRenewMs === undefined
        ? undefined
        : setInterval(() => {
            heartbeat().catch(() => {
              // a failed renewal is retried at the next tick; a refused one ends the attempt
            });
          }, options.autoRenewMs);
    if (options.shutdown.aborted) return onShutdown();
    options.shutdown.addEventListener('abort', onShutdown, { once: true });
    Promise.resolve()
      .then(() => options.run(controller.signal, heartbeat))
      .then(
        (value) => finish({ kind: 'returned', value }),
        (error: unknown) => finish({ kind: 'threw', error: toErrorView(error) }),
      );
  });
}

/** The name and message of anything thrown. */
export function toErrorView(error: unknown): TaskErrorView {
  if (error instanceof Error) return { name: error.name || 'Error', message: error.message };
  return {
    name: 'Error',
    message: typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error)),
  };
}

/** The `autoRenewMs` option for a task's attempts, when its lease needs renewing on its behalf. */
export function withAutoRenew(task: Pick<PlannedTask, 'timeoutMs' | 'heartbeatMs'>): {
  autoRenewMs?: number;
} {
  const every = autoRenewMs(task);
  return every === undefined ? {} : { autoRenewMs: every };
}
