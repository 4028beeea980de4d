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
    if (options.shutdown.aborted) return onShutdown();
    options.shutdown.addEventListener('abort', onShutdown, { once: true });
    const heartbeat = async () => {
      if (settled) return;
      const held = await options.renew();
      if (!held) finish({ kind: 'leaseLost' }, new Error('the lease was lost to another worker'));
    };
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
