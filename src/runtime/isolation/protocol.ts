/**
 * The messages between weft and the host of an isolated attempt (`isolation: thread` or `process`): one
 * attempt per host, started with `run`; the handler's heartbeats cross as requests the parent answers.
 */
import type { Json, TaskErrorView } from '../types.ts';

/** What the parent sends the host. */
export type ToHost =
  | {
      readonly type: 'run';
      /** Absolute path of the handlers module, loaded by the host (TypeScript through tsx). */
      readonly modulePath: string;
      readonly handler: string;
      readonly event: Json;
      readonly idempotencyKey: string;
      readonly callback?: { readonly token: string };
      readonly locks?: readonly { readonly key: string; readonly token: number }[];
    }
  | { readonly type: 'heartbeatDone'; readonly id: number; readonly error?: TaskErrorView };

/** What the host sends the parent. */
export type FromHost =
  | { readonly type: 'heartbeat'; readonly id: number }
  /** The handler returned: its result as JSON text (`null` for nothing), as the engine checkpoints it. */
  | { readonly type: 'returned'; readonly json: string }
  | { readonly type: 'threw'; readonly error: TaskErrorView };
