import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { UserInputError } from '../errors.ts';
import { createAwsRuntime, ensureQueue, ensureTable } from '../runtime/index.ts';
import type { HandlerRegistry, PlanCatalog, Runtime } from '../runtime/types.ts';
import type { Plan } from '../workflow/plan.ts';
import { type Emulator, startDynalite, startFauxqs } from './emulators.ts';
import { isLocalOwnerAlive, localOwner } from './owner.ts';
import { startPoller } from './poller.ts';
import { claimStateDir, type OwnedStateDir, type StackRecord } from './state-dir.ts';

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
   * Stops the reaper and the poller, then the emulators. Attempts still running are abandoned (their abort
   * signals fire) and taken over by the next process's recovery pass.
   */
  close(): Promise<void>;
}

/** A stack as the command line opens it: started here, or another process's that it connected to. */
export interface OpenedLocalStack extends LocalStack {
  /** True when another live process runs the emulators and this one only connected to them. */
  readonly attached: boolean;
  /** The pid of the process that runs the emulators. */
  readonly hostPid: number;
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
  if (options.dynamodbEndpoint !== undefined) return startStack(undefined, options);
  const claim = await claimStateDir(options.stateDir);
  if (claim.kind === 'live') {
    throw new UserInputError(
      'stateDir.busy',
      `state dir '${options.stateDir}' is open in process ${claim.record.pid}: stop it or use another --state-dir`,
    );
  }
  return startStack(claim, options);
}

/**
 * Opens the state dir for a command: starts the stack, or, when another live process already runs one
 * there (two processes cannot open one LevelDB), connects to that process's endpoints. With `worker`
 * false nothing is polled and no recovery runs: for commands that only read or request.
 */
export async function openLocalStack(
  options: LocalStackOptions & { readonly worker: boolean },
): Promise<OpenedLocalStack> {
  const claim = options.dynamodbEndpoint === undefined ? await claimStateDir(options.stateDir) : undefined;
  if (claim?.kind === 'live') return connect(claim.record, options);
  const stack = await startStack(claim, options);
  return { ...stack, attached: false, hostPid: process.pid };
}

/**
 * Starts the emulators this process needs (dynalite unless an external DynamoDB is given, which also
 * means there is no state-dir lock to hold; fauxqs unless an external SQS is given) and the runtime.
 */
async function startStack(
  claim: OwnedStateDir | undefined,
  options: LocalStackOptions & { readonly worker?: boolean },
): Promise<LocalStack> {
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
    const clients = makeClients(dynamodbEndpoint, sqsEndpoint);
    await ensureTable(clients.dynamodb, LOCAL_TABLE);
    const { queueUrl } = await ensureQueue(clients.sqs, LOCAL_QUEUE);
    const record = {
      dynamodbEndpoint,
      sqsEndpoint,
      tableName: LOCAL_TABLE,
      queueUrl,
      startedAt: new Date().toISOString(),
    };
    const stack = withRuntime(record, clients, options, options.worker ?? true, true);
    await claim?.publish(record);
    return {
      ...stack,
      async close() {
        await stack.close();
        await Promise.all(started.map((emulator) => emulator.close()));
        await claim?.release();
      },
    };
  } catch (error) {
    await Promise.allSettled(started.map((emulator) => emulator.close()));
    await claim?.release();
    throw error;
  }
}

function connect(
  record: StackRecord,
  options: LocalStackOptions & { readonly worker: boolean },
): OpenedLocalStack {
  const clients = makeClients(record.dynamodbEndpoint, record.sqsEndpoint);
  // The host process runs the reaper; a second one would only repeat its work.
  const stack = withRuntime(record, clients, options, options.worker, false);
  return { ...stack, attached: true, hostPid: record.pid };
}

interface Clients {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
}

function makeClients(dynamodbEndpoint: string, sqsEndpoint: string): Clients {
  // The emulators accept any credentials; fixed ones keep the SDK from searching the AWS credential chain.
  const common = { region: 'us-east-1', credentials: { accessKeyId: 'weft', secretAccessKey: 'local' } };
  return {
    dynamodb: new DynamoDBClient({ ...common, endpoint: dynamodbEndpoint }),
    sqs: new SQSClient({ ...common, endpoint: sqsEndpoint }),
  };
}

/** Builds the runtime on the given endpoints and, for a worker, its poller and (if `reaper`) recovery loop. */
function withRuntime(
  record: Omit<StackRecord, 'pid'>,
  clients: Clients,
  options: LocalStackOptions,
  worker: boolean,
  reaper: boolean,
): LocalStack {
  const onError = options.onError ?? (() => {});
  const plans = catalogOf(options.plans);
  const shutdown = new AbortController();
  const runtime = createAwsRuntime({
    dynamodb: clients.dynamodb,
    sqs: clients.sqs,
    tableName: record.tableName,
    queueUrl: record.queueUrl,
    plans,
    handlers: options.handlers,
    owner: localOwner(),
    isOwnerAlive: isLocalOwnerAlive,
    shutdown: shutdown.signal,
  });
  const poller = worker
    ? startPoller({
        sqs: clients.sqs,
        queueUrl: record.queueUrl,
        handle: (body) => runtime.handleMessage(body),
        onError,
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      })
    : undefined;
  const recovery =
    worker && reaper ? startReaper(runtime, options.recoveryIntervalMs ?? 2_000, onError) : undefined;
  return {
    runtime,
    plans,
    dynamodbEndpoint: record.dynamodbEndpoint,
    sqsEndpoint: record.sqsEndpoint,
    tableName: record.tableName,
    queueUrl: record.queueUrl,
    async close() {
      // Attempts still running are abandoned (their handlers' signals fire): recovery takes them over
      // once this process is gone.
      shutdown.abort();
      await recovery?.stop();
      await poller?.stop();
      clients.dynamodb.destroy();
      clients.sqs.destroy();
    },
  };
}

/** A catalog of the plans given on the command line. */
export function catalogOf(plans: readonly Plan[]): PlanCatalog {
  const byName = new Map(plans.map((plan) => [plan.name, plan]));
  return { byName: (name) => byName.get(name), list: () => plans };
}

/** Runs the recovery pass now and then every `intervalMs`, one pass at a time. */
function startReaper(
  runtime: Runtime,
  intervalMs: number,
  onError: (error: unknown) => void,
): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> = Promise.resolve();
  const run = (): void => {
    pass = runtime
      .recover()
      .then(
        () => {},
        (error: unknown) => onError(error),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(run, intervalMs);
      });
  };
  run();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await pass;
    },
  };
}
