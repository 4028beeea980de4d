/**
 * Runs one attempt's handler in a worker thread or a child process (`isolation: thread` / `process`): the
 * parent stays free, so a CPU-bound handler blocks neither heartbeats and lease renewals nor other tasks,
 * and an attempt that is over (its timeout, a lost lease, shutdown) has its thread terminated or its
 * process killed at once, whatever the handler is doing.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { toErrorView } from '../attempt.ts';
import { IsolatedExitError } from '../errors.ts';
import type { CompensationEvent, Json, TaskContext, TaskErrorView, TaskEvent } from '../types.ts';
import type { FromHost, ToHost } from './protocol.ts';

/** Where an isolated handler runs. */
export type Isolation = 'thread' | 'process';

/** The bootstrap that registers tsx, then runs the host (task-host.ts). */
const HOST_SCRIPT =
  [
    // from src/runtime/isolation/ in this repository, from dist/src/runtime/isolation/ once installed
    new URL('../../../bin/task-host.js', import.meta.url),
    new URL('../../../../bin/task-host.js', import.meta.url),
  ].find((url) => existsSync(url)) ?? new URL('../../../bin/task-host.js', import.meta.url);

/** What the isolated attempt runs: a handler of a module, by name. */
export interface IsolatedHandler {
  readonly isolation: Isolation;
  /** Absolute path of the handlers module. */
  readonly modulePath: string;
  /** The host script to start; default bin/task-host.js (tsx, then task-host.ts). */
  readonly hostScript?: URL;
  readonly handler: string;
}

/**
 * Calls the handler in a fresh thread or process with the event and a context whose heartbeat is this
 * context's; resolves with its result, or rejects with an error of the same name and message as the one
 * it threw (retry policies match on names). A host that ends before answering (`process.exit`, a crash, a
 * kill) rejects with `ProcessExit`. An aborted signal ends the host at once.
 *
 * @example
 * const output = await runIsolated({ isolation: 'thread', modulePath, handler: 'score' }, event, ctx);
 */
export function runIsolated(
  target: IsolatedHandler,
  event: TaskEvent | CompensationEvent,
  ctx: TaskContext,
): Promise<unknown> {
  if (ctx.signal.aborted) return Promise.reject(ctx.signal.reason);
  return new Promise<unknown>((resolve, reject) => {
    const host = startHost(target.isolation, target.hostScript ?? HOST_SCRIPT);
    let over = false;
    const end = (outcome: () => void) => {
      if (over) return;
      over = true;
      ctx.signal.removeEventListener('abort', onAbort);
      host.stop();
      outcome();
    };
    // the attempt is over: the handler gets no grace (a CPU-bound one would not take it)
    const onAbort = () => end(() => reject(ctx.signal.reason));
    host.onMessage((message) => {
      if (message.type === 'heartbeat') {
        ctx.heartbeat().then(
          () => host.send({ type: 'heartbeatDone', id: message.id }),
          (error: unknown) => host.send({ type: 'heartbeatDone', id: message.id, error: toErrorView(error) }),
        );
      } else if (message.type === 'returned') end(() => resolve(JSON.parse(message.json) as Json));
      else end(() => reject(asError(message.error)));
    });
    host.onEnd((error) => end(() => reject(error)));
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    host.send({
      type: 'run',
      modulePath: target.modulePath,
      handler: target.handler,
      event: event as unknown as Json,
      idempotencyKey: ctx.idempotencyKey,
      ...(ctx.callback === undefined ? {} : { callback: ctx.callback }),
      ...(ctx.locks === undefined ? {} : { locks: ctx.locks }),
    });
  });
}

/** A started host, whatever it runs in. */
interface Host {
  send(message: ToHost): void;
  onMessage(receive: (message: FromHost) => void): void;
  /** Called once if the host ends before the attempt is over, with the error that says how. */
  onEnd(ended: (error: Error) => void): void;
  stop(): void;
}

function startHost(isolation: Isolation, script: URL): Host {
  return isolation === 'thread' ? threadHost(script) : processHost(script);
}

function threadHost(script: URL): Host {
  const worker = new Worker(script);
  let failure: Error | undefined;
  return {
    send: (message) => worker.postMessage(message),
    onMessage: (receive) => worker.on('message', receive),
    onEnd: (ended) => {
      // an uncaught error ends the thread after 'error'; report it, keeping its name
      worker.on('error', (error) => {
        failure = asError(toErrorView(error));
      });
      worker.on('exit', (code) => ended(failure ?? new IsolatedExitError(code, 'worker thread')));
    },
    stop: () => {
      worker.terminate().catch(() => {});
    },
  };
}

function processHost(script: URL): Host {
  // no inherited flags (a test runner's, an inspector's): the host registers what it needs itself
  const child: ChildProcess = fork(script, [], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return {
    send: (message) => {
      if (child.connected) child.send(message);
    },
    onMessage: (receive) => child.on('message', (message) => receive(message as FromHost)),
    onEnd: (ended) => {
      child.on('error', (error) => ended(error));
      child.on('exit', (code, signal) =>
        ended(new IsolatedExitError(code ?? 1, 'child process', signal ?? undefined)),
      );
    },
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

function asError(view: TaskErrorView): Error {
  return Object.assign(new Error(view.message), { name: view.name });
}
