/**
 * Counts the requests AWS SDK clients really send, by operation. The middleware sits at the innermost end
 * of the `deserialize` step, right next to the HTTP handler: it runs once per HTTP request, so a request the
 * SDK retries counts once per attempt, as AWS bills it, and a refused conditional write counts too (AWS
 * bills it as well). {@link ServerRequestCounter} checks the totals on the emulators' side of the wire.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';

/** The services the benchmark counts; the name prefixes each `service:Operation` key. */
export type Service = 'dynamodb' | 'sqs';

/** DynamoDB operations billed in read request units. */
export const DYNAMODB_READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
/** DynamoDB operations billed in write request units. */
export const DYNAMODB_WRITES = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

/** Item operations for which DynamoDB (and dynalite) can report the capacity units a request consumed. */
const REPORTS_CAPACITY = new Set(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem']);

/** `UpdateItemCommand` -> `UpdateItem`: the operation name AWS bills and documents. */
function operationOf(commandName: string | undefined): string {
  if (commandName === undefined) return 'unknown';
  return commandName.endsWith('Command') ? commandName.slice(0, -'Command'.length) : commandName;
}

/**
 * Requests by `service:Operation`, counted by an SDK middleware; pause it around set-up and read-back.
 *
 * @example
 * const counter = new RequestCounter();
 * counter.attach(dynamodb, 'dynamodb');
 * counter.pause(); await setUp(); counter.reset(); counter.resume();
 */
export class RequestCounter {
  readonly #counts = new Map<string, number>();
  readonly #unanswered = new Map<Service, number>();
  readonly #units = { read: 0, write: 0, unknownWrites: 0 };
  #enabled = true;
  /** Bumped by `reset`, so a request counted before it cannot change the counts after it. */
  #epoch = 0;

  /** Starts counting the requests `client` sends (a DocumentClient made from it shares its stack). */
  attach(client: DynamoDBClient | SQSClient, service: Service): void {
    const stack = client.middlewareStack as DynamoDBClient['middlewareStack'];
    stack.add(
      (next, context) => async (args) => {
        if (!this.#enabled) return next(args);
        const key = `${service}:${operationOf(context.commandName)}`;
        this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
        const epoch = this.#epoch;
        try {
          return await next(args);
        } catch (error) {
          // No HTTP status: no answer came (a kept-alive socket the server had just closed, say). The
          // emulators' count shows such a request never arrived, so AWS would not bill it: it is moved
          // from the counts to `unanswered`, and the SDK's retry, if any, counts as the request.
          const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
          if (status === undefined && epoch === this.#epoch) {
            this.#counts.set(key, (this.#counts.get(key) ?? 1) - 1);
            this.#unanswered.set(service, (this.#unanswered.get(service) ?? 0) + 1);
          }
          throw error;
        }
      },
      { step: 'deserialize', priority: 'low', name: `weftBenchRequestCounter-${service}` },
    );
  }

  /** Zeroes the counts (between scenarios). */
  reset(): void {
    this.#epoch += 1;
    this.#counts.clear();
    this.#unanswered.clear();
    this.#units.read = 0;
    this.#units.write = 0;
    this.#units.unknownWrites = 0;
  }

  /**
   * Also asks DynamoDB for `ReturnConsumedCapacity: 'TOTAL'` on item operations and sums the units: on demand,
   * AWS bills a write per 1 KB of the larger of the item's old and new versions and a consistent read per
   * 4 KB, so an item that grows (a join collecting its inputs) costs more than one unit per request. The
   * option only adds a field to the responses; the engine's requests are otherwise unchanged.
   */
  measureCapacity(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = operationOf(context.commandName);
        if (!this.#enabled || !REPORTS_CAPACITY.has(operation)) return next(args);
        const input = { ...(args.input as object), ReturnConsumedCapacity: 'TOTAL' };
        const isWrite = DYNAMODB_WRITES.has(operation);
        try {
          const result = await next({ ...args, input });
          const units = (result.output as { ConsumedCapacity?: { CapacityUnits?: number } }).ConsumedCapacity
            ?.CapacityUnits;
          if (units === undefined) {
            if (isWrite) this.#units.unknownWrites += 1;
          } else if (isWrite) this.#units.write += units;
          else this.#units.read += units;
          return result;
        } catch (error) {
          // a refused conditional write is billed too, but the error carries no capacity figure
          if (isWrite) this.#units.unknownWrites += 1;
          throw error;
        }
      },
      { step: 'initialize', name: 'weftBenchConsumedCapacity' },
    );
  }

  /** Capacity units consumed (with {@link measureCapacity}); writes that reported none are counted apart. */
  capacity(): { readUnits: number; writeUnits: number; writesWithoutUnits: number } {
    return {
      readUnits: this.#units.read,
      writeUnits: this.#units.write,
      writesWithoutUnits: this.#units.unknownWrites,
    };
  }

  /** Requests to `service` that failed without any HTTP response (not in the counts). */
  unanswered(service: Service): number {
    return this.#unanswered.get(service) ?? 0;
  }

  /** Stops counting: for set-up and read-back, which the scenario would not pay for. */
  pause(): void {
    this.#enabled = false;
  }

  /** Counts again after {@link pause}. */
  resume(): void {
    this.#enabled = true;
  }

  /** Requests that got an HTTP answer (success or error), by `service:Operation`, sorted by key. */
  snapshot(): Readonly<Record<string, number>> {
    return Object.fromEntries([...this.#counts].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Every request sent to `service`. */
  total(service: Service): number {
    let total = 0;
    for (const [key, count] of this.#counts) if (key.startsWith(`${service}:`)) total += count;
    return total;
  }

  /** DynamoDB requests billed in read units and those billed in write units (control-plane calls in neither). */
  dynamodb(): { reads: number; writes: number } {
    let reads = 0;
    let writes = 0;
    for (const [key, count] of this.#counts) {
      const [service, operation = ''] = key.split(':');
      if (service !== 'dynamodb') continue;
      if (DYNAMODB_READS.has(operation)) reads += count;
      else if (DYNAMODB_WRITES.has(operation)) writes += count;
    }
    return { reads, writes };
  }

  /** SQS requests of every kind: SQS bills each API call, empty receives included. */
  sqs(): number {
    return this.total('sqs');
  }
}
