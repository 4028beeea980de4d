/**
 * The host of one isolated attempt, in a worker thread (`isolation: thread`) or a child process
 * (`isolation: process`), started through bin/task-host.js (which registers tsx first, so a `.ts` handlers
 * module loads as it does in weft). It waits for `run`, imports the handlers module, calls the handler with
 * the same event and a context whose heartbeat crosses the boundary, and sends back the result
 * as JSON text or the error's name and message. The parent ends the host once the attempt is over.
 */
import { pathToFileURL } from 'node:url';
import { parentPort } from 'node:worker_threads';
import { toErrorView } from '../attempt.ts';
import type { TaskContext, TaskErrorView, TaskEvent } from '../types.ts';
import type { FromHost, ToHost } from './protocol.ts';

interface Channel {
  send(message: FromHost): void;
  listen(receive: (message: ToHost) => void): void;
}

const channel: Channel = parentPort
  ? {
      send: (message) => parentPort?.postMessage(message),
      listen: (receive) => parentPort?.on('message', receive),
    }
  : {
      send: (message) => process.send?.(message),
      listen: (receive) => process.on('message', (message) => receive(message as ToHost)),
    };

// a child whose weft process is gone has no one to answer: it ends too
if (!parentPort) process.on('disconnect', () => process.exit(0));

// the attempt's end ends this thread or process itself, so the handler's signal never needs to fire here
const controller = new AbortController();
const heartbeats = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
let nextHeartbeat = 1;
let started = false;

channel.listen((message) => {
  if (message.type === 'heartbeatDone') {
    const waiting = heartbeats.get(message.id);
    heartbeats.delete(message.id);
    if (message.error === undefined) waiting?.resolve();
    else waiting?.reject(asError(message.error));
  } else if (!started) {
    started = true;
    run(message).then(channel.send, (error: unknown) =>
      channel.send({ type: 'threw', error: toErrorView(error) }),
    );
  }
});

async function run(message: Extract<ToHost, { type: 'run' }>): Promise<FromHost> {
  const exports = (await import(pathToFileURL(message.modulePath).href)) as Record<string, unknown>;
  const handler = exports[message.handler];
  if (typeof handler !== 'function') {
    return {
      type: 'threw',
      error: {
        name: 'HandlerNotFoundError',
        message: `no handler exported as '${message.handler}' by ${message.modulePath} (loaded in the isolated attempt)`,
      },
    };
  }
  const ctx: TaskContext = {
    signal: controller.signal,
    heartbeat: () =>
      new Promise<void>((resolve, reject) => {
        const id = nextHeartbeat++;
        heartbeats.set(id, { resolve, reject });
        channel.send({ type: 'heartbeat', id });
      }),
    idempotencyKey: message.idempotencyKey,
    ...(message.callback === undefined ? {} : { callback: message.callback }),
    ...(message.locks === undefined ? {} : { locks: message.locks }),
  };
  const value: unknown = await handler(message.event as unknown as TaskEvent, ctx);
  try {
    return { type: 'returned', json: JSON.stringify(value) ?? 'null' };
  } catch (error) {
    return {
      type: 'threw',
      error: {
        name: 'InvalidOutputError',
        message: `the handler's result is not JSON: ${toErrorView(error).message}`,
      },
    };
  }
}

function asError(view: TaskErrorView): Error {
  return Object.assign(new Error(view.message), { name: view.name });
}
