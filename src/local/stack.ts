import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { UserInputError } from '../errors.ts';
import { ensureQueue, ensureTable } from '../runtime/index.ts';
import type { RecoverySettings } from '../runtime/recovery-settings.ts';
import type { HandlerRegistry, PlanCatalog, Runtime } from '../runtime/types.ts';
import type { Plan } from '../workflow/plan.ts';
import type { CloseOptions, LocalBackend } from './backend.ts';
import { type Emulator, startDynalite, startFauxqs } from './emulators.ts';
import { createStackRuntime, localClients, type StackRuntime } from './stack-runtime.ts';
import {
  claimStateDir,
  discardRecord,
  type LiveStateDir,
  type OwnedStateDir,
  type StackRecord,
} from './state-dir.ts';

/** The local table and queue names: one state dir holds one weft installation. */
export const LOCAL_TABLE = 'weft';
export const LOCAL_QUEUE = 'weft-tasks';

export interface LocalStackOptions {
  /** Where the database lives (`<stateDir>/dynamodb`) and where `stack.json` announces the running stack. */
  readonly stateDir: string;
  readonly plans: readonly Plan[];
  readonly handlers: HandlerRegistry;
  /** Task messages processed at once. Default 10. */
  readonly concurrency?: number;
  /** Pause between recovery passes (the reaper). Default 2,000 ms. */
  readonly recoveryIntervalMs?: number;
  /** The recovery pass's grace and bounds; default the deployment's. */
  readonly recovery?: Partial<RecoverySettings>;
  /** Told about failed queue calls, failed message processing and failed recovery passes. */
  readonly onError?: (error: unknown) => void;
  /**
   * Use this DynamoDB (DynamoDB Local, LocalStack) instead of the embedded dynalite; the state dir is then
   * not used for the database.
   */
  readonly dynamodbEndpoint?: string;
  /** Use this SQS (LocalStack) instead of the embedded fauxqs. */
  readonly sqsEndpoint?: string;
}

export interface LocalStack {
  readonly runtime: Runtime;
  readonly plans: PlanCatalog;
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly tableName: string;
  readonly queueUrl: string;
  /**
   * Stops the reaper and the poller, then the emulators. Attempts still running get `graceMs` to finish,
   * then are abandoned (their abort signals fire) and taken over by the next process's recovery pass.
   */
  close(options?: CloseOptions): Promise<void>;
}

/** A stack as the command line opens it: started here, or another process's that it connected to. */
export interface OpenedLocalStack extends LocalStack, LocalBackend {
  /** True when another live process runs the emulators and this one only connected to them. */
  readonly attached: boolean;
  /** The pid of the process that runs the emulators. */
  readonly hostPid: number;
  /**
   * Starts executing tasks here: the poller, and the recovery pass unless the stack is attached (its host
   * runs that). Idempotent.
   */
  startWorker(): void;
}

/**
 * Starts weft on this machine: dynalite with its LevelDB files in `<stateDir>/dynamodb`, fauxqs in memory
 * (its queue is rebuilt from DynamoDB after a restart, as in the cloud), both on 127.0.0.1 and free ports;
 * the table and queues; a poller standing in for Lambda's SQS event source mapping; and the recovery pass
 * (the reaper), once at start and then every few seconds. Attempts left by a killed local process are
 * taken over at once, without waiting for their leases.
 *
 * @example
 * const stack = await startLocalStack({ stateDir: '.weft', plans: [plan], handlers });
 * const { runId } = await stack.runtime.submit({ workflow: plan.name, input: {} });
 * await stack.close();
 * @throws UserInputError when another live process has the state dir open.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const claim = options.dynamodbEndpoint === undefined ? await claimLive(options.stateDir) : undefined;
  if (claim?.kind === 'live') {
    throw new UserInputError(
      'stateDir.busy',
      `state dir '${options.stateDir}' is open in process ${claim.record.pid}: stop it or use another --state-dir`,
    );
  }
  const stack = await startStack(claim, options);
  stack.startWorker();
  return stack;
}

/**
 * Opens the state dir for a command: starts the stack, or, when another live process already runs one
 * there (two processes cannot open one LevelDB), connects to that process's endpoints. Nothing executes
 * until `startWorker()`, so a command can check what it needs first; `worker: true` starts it at once.
 */
export async function openLocalStack(
  options: LocalStackOptions & { readonly worker: boolean },
): Promise<OpenedLocalStack> {
  const claim = options.dynamodbEndpoint === undefined ? await claimLive(options.stateDir) : undefined;
  const stack = claim?.kind === 'live' ? connect(claim.record, options) : await startStack(claim, options);
  if (options.worker) stack.startWorker();
  return stack;
}

/** Claims the state dir; a recorded stack that no longer answers (its pid was reused) is discarded. */
async function claimLive(stateDir: string): Promise<OwnedStateDir | LiveStateDir> {
  const claim = await claimStateDir(stateDir);
  if (claim.kind === 'owned' || (await listening(claim.record.dynamodbEndpoint))) return claim;
  await discardRecord(stateDir, claim.record);
  return claimStateDir(stateDir);
}

/** Whether something accepts connections at the endpoint's host and port. */
function listening(endpoint: string): Promise<boolean> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: hostname, port: Number(port) });
    const done = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Starts the emulators this process needs (dynalite unless an external DynamoDB is given, which also
 * means there is no state-dir lock to hold; fauxqs unless an external SQS is given) and the runtime.
 */
async function startStack(
  claim: OwnedStateDir | undefined,
  options: LocalStackOptions,
): Promise<OpenedLocalStack> {
  const started: Emulator[] = [];
  const start = async (launch: () => Promise<Emulator>): Promise<string> => {
    const emulator = await launch();
    started.push(emulator);
    return emulator.endpoint;
  };
  try {
    const dynamodbEndpoint =
      options.dynamodbEndpoint ??
      (await start(() => startDynalite({ path: join(options.stateDir, 'dynamodb') })));
    const sqsEndpoint = options.sqsEndpoint ?? (await start(() => startFauxqs()));
    const clients = localClients({ dynamodbEndpoint, sqsEndpoint });
    await ensureTable(clients.dynamodb, LOCAL_TABLE);
    const { queueUrl } = await ensureQueue(clients.sqs, LOCAL_QUEUE);
    const endpoints = { dynamodbEndpoint, sqsEndpoint, tableName: LOCAL_TABLE, queueUrl };
    // an embedded fauxqs starts empty: what the last process had queued is gone with it
    const stack = createStackRuntime(endpoints, clients, {
      ...options,
      queueStartedEmpty: options.sqsEndpoint === undefined,
    });
    await claim?.publish({ ...endpoints, startedAt: new Date().toISOString() });
    return opened(stack, false, process.pid, async () => {
      await Promise.all(started.map((emulator) => emulator.close()));
      await claim?.release();
    });
  } catch (error) {
    await Promise.allSettled(started.map((emulator) => emulator.close()));
    await claim?.release();
    throw error;
  }
}

function connect(record: StackRecord, options: LocalStackOptions): OpenedLocalStack {
  const stack = createStackRuntime(record, localClients(record), options);
  return opened(stack, true, record.pid, async () => {});
}

function opened(
  stack: StackRuntime,
  attached: boolean,
  hostPid: number,
  afterClose: () => Promise<void>,
): OpenedLocalStack {
  return {
    backend: 'emulators',
    runtime: stack.runtime,
    plans: stack.plans,
    dynamodbEndpoint: stack.dynamodbEndpoint,
    sqsEndpoint: stack.sqsEndpoint,
    tableName: stack.tableName,
    queueUrl: stack.queueUrl,
    attached,
    hostPid,
    // The host process runs the reaper; a second one would only repeat its work.
    startWorker: () => stack.startWorker(!attached),
    loadPlan: (workflow, version) => stack.loadPlan(workflow, version),
    changed: (_runId, ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    async close(options) {
      await stack.close(options);
      await afterClose();
    },
  };
}
