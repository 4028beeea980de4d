/**
 * Where the engine benchmark's emulators run: in this process (the default, as `weft run` does) or in a
 * child process of their own, so that their CPU time is measured apart from the engine's. Either way the
 * host counts the HTTP requests the emulators receive, to cross-check the client-side counts.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { type Emulator, startDynalite, startFauxqs } from '../src/local/emulators.ts';
import { ServerRequestCounter } from './server-request-counter.ts';

/** What the emulators did between `startCounting` and `stopCounting`. */
export interface EmulatorCounts {
  /** HTTP requests received. */
  readonly dynamodb: number;
  readonly sqs: number;
  /** CPU the emulators' process used, in ms; undefined when they share this process. */
  readonly cpuMs?: number;
}

export interface EmulatorHost {
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
  /** Counts received requests (and the child's CPU) from zero. */
  startCounting(): Promise<void>;
  stopCounting(): Promise<EmulatorCounts>;
  close(): Promise<void>;
}

/** dynalite (in memory) and fauxqs on 127.0.0.1, in this process. */
export async function startEmulatorsInProcess(): Promise<EmulatorHost> {
  const server = new ServerRequestCounter();
  server.pause();
  const emulators: Emulator[] = [];
  try {
    emulators.push(await startDynalite());
    emulators.push(await startFauxqs());
  } catch (error) {
    await Promise.all(emulators.map((emulator) => emulator.close()));
    server.close();
    throw error;
  }
  const [dynalite, fauxqs] = emulators as [Emulator, Emulator];
  return {
    dynamodbEndpoint: dynalite.endpoint,
    sqsEndpoint: fauxqs.endpoint,
    async startCounting() {
      server.reset();
      server.resume();
    },
    async stopCounting() {
      server.pause();
      return { dynamodb: server.received(dynalite.endpoint), sqs: server.received(fauxqs.endpoint) };
    },
    async close() {
      await Promise.all(emulators.map((emulator) => emulator.close()));
      server.close();
    },
  };
}

/** Messages between this process and bench/emulator-child.ts. */
export type ChildRequest = { readonly id: number; readonly command: 'start' | 'stop' | 'close' };
export type ChildReply =
  | { readonly kind: 'ready'; readonly dynamodbEndpoint: string; readonly sqsEndpoint: string }
  | { readonly kind: 'reply'; readonly id: number; readonly counts?: EmulatorCounts }
  | { readonly kind: 'error'; readonly message: string };

/** dynalite and fauxqs in a child process (bench/emulator-child.ts), driven over IPC. */
export async function startEmulatorsInChild(): Promise<EmulatorHost> {
  const child = fork(join(import.meta.dirname, 'emulator-child.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (reply: ChildReply) => void>();
  let nextId = 0;
  const ready = new Promise<Extract<ChildReply, { kind: 'ready' }>>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the emulator process exited with status ${code}`)));
    child.on('message', (message: ChildReply) => {
      if (message.kind === 'ready') resolve(message);
      else if (message.kind === 'error') reject(new Error(`emulator process: ${message.message}`));
      else pending.get(message.id)?.(message);
    });
  });
  const ask = (command: ChildRequest['command']) =>
    new Promise<ChildReply>((resolve) => {
      const id = nextId++;
      pending.set(id, (reply) => {
        pending.delete(id);
        resolve(reply);
      });
      child.send({ id, command } satisfies ChildRequest);
    });
  const endpoints = await ready;
  return {
    dynamodbEndpoint: endpoints.dynamodbEndpoint,
    sqsEndpoint: endpoints.sqsEndpoint,
    async startCounting() {
      await ask('start');
    },
    async stopCounting() {
      const reply = await ask('stop');
      if (reply.kind !== 'reply' || !reply.counts) throw new Error('the emulator process sent no counts');
      return reply.counts;
    },
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await ask('close');
      const timer = setTimeout(() => child.kill(), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
