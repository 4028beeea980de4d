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
const DYNAMODB_READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
/** DynamoDB operations billed in write request units. */
const DYNAMODB_WRITES = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

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
  #enabled = true;

  /** Starts counting the requests `client` sends (a DocumentClient made from it shares its stack). */
  attach(client: DynamoDBClient | SQSClient, service: Service): void {
    const stack = client.middlewareStack as DynamoDBClient['middlewareStack'];
    stack.add(
      (next, context) => async (args) => {
        if (!this.#enabled) return next(args);
        const key = `${service}:${operationOf(context.commandName)}`;
        this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
        try {
          return await next(args);
        } catch (error) {
          // no HTTP status: the request never got an answer (a reused socket the server had closed, say)
          const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
          if (status === undefined) this.#unanswered.set(service, (this.#unanswered.get(service) ?? 0) + 1);
          throw error;
        }
      },
      { step: 'deserialize', priority: 'low', name: `weftBenchRequestCounter-${service}` },
    );
  }

  /** Zeroes the counts (between scenarios). */
  reset(): void {
    this.#counts.clear();
    this.#unanswered.clear();
  }

  /** Requests to `service` that failed without any HTTP response: sent, but perhaps never received. */
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

  /** Requests by `service:Operation`, sorted by key. */
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
