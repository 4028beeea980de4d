import type { RunStore } from '../store/run-store.ts';

/** Store operations after which a run may have become final. */
const RUN_WRITES = new Set<PropertyKey>([
  'countSink',
  'countLastSink',
  'finishRun',
  'stopRun',
  'finishRollback',
]);

/** Wakes whoever waits on a run when this process changes the run's own record. */
export class RunWatch {
  private readonly waiters = new Map<string, Set<() => void>>();

  /**
   * The store, seen through the watch: a run write that succeeds wakes the run's waiters. Everything else
   * passes through untouched.
   */
  wrap(store: RunStore): RunStore {
    return new Proxy(store, {
      get: (target, property, receiver) => {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function' || !RUN_WRITES.has(property)) return value;
        return async (op: { runId: string }) => {
          const outcome = (await (value as (op: unknown) => Promise<{ ok: boolean }>).call(target, op)) as {
            ok: boolean;
          };
          if (outcome.ok) this.wake(op.runId);
          return outcome;
        };
      },
    });
  }

  /** Resolves at the run's next change made here, or after `ms`. */
  changed(runId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(runId);
      if (!set) {
        set = new Set();
        this.waiters.set(runId, set);
      }
      const waiters = set;
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0) this.waiters.delete(runId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
    });
  }

  private wake(runId: string): void {
    for (const done of [...(this.waiters.get(runId) ?? [])]) done();
  }
}
