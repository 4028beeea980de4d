import { isSettled } from './run-result.ts';
import type { Runtime, RunView } from './types.ts';

/** How a wait for a run learns it may have changed. */
export interface AwaitRunOptions {
  /** The longest wait, in milliseconds. */
  readonly timeoutMs: number;
  /**
   * Resolves when the run may have changed, or after `ms` at the latest (a local backend's `changed`).
   * Absent: the store is polled, first after 100 ms, then at doubling intervals up to 1 s.
   */
  readonly changed?: (runId: string, ms: number) => Promise<void>;
}

/** The run at the end of a wait, and whether it settled within it. */
export type AwaitRunResult =
  | { readonly kind: 'settled'; readonly view: RunView }
  | { readonly kind: 'pending'; readonly view: RunView }
  | { readonly kind: 'notFound' };

const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 1_000;

/**
 * Waits until a run is settled (final, its rollback included, or paused) or `timeoutMs` has passed, reading
 * it through the runtime: what `POST /workflows/{name}/runs?wait=` and `openLocal`'s `wait` share.
 *
 * @example
 * const result = await awaitRun(runtime, runId, { timeoutMs: 25_000 });
 * if (result.kind === 'settled') console.log(result.view.status);
 */
export async function awaitRun(
  runtime: Pick<Runtime, 'getRun'>,
  runId: string,
  options: AwaitRunOptions,
): Promise<AwaitRunResult> {
  const deadline = Date.now() + options.timeoutMs;
  let pollMs = FIRST_POLL_MS;
  for (;;) {
    const view = await runtime.getRun(runId);
    if (view === undefined) return { kind: 'notFound' };
    if (isSettled(view)) return { kind: 'settled', view };
    const left = deadline - Date.now();
    if (left <= 0) return { kind: 'pending', view };
    if (options.changed) await options.changed(runId, Math.min(left, FIRST_POLL_MS));
    else {
      await new Promise((resolve) => setTimeout(resolve, Math.min(left, pollMs)));
      pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
    }
  }
}
