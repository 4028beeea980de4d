import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** How the poller reaches its queue and what it does with each message. */
export interface PollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** Processes one message body; a throw leaves the message for redelivery after its visibility timeout. */
  readonly handle: (body: string) => Promise<void>;
  /** Messages processed at once, at most (with `batchSize`: batches). Default 10. */
  readonly concurrency?: number;
  /**
   * Lambda's way, as the deployed event source mapping does it: each receive takes up to this many
   * messages (1-10) as one batch, `concurrency` counts batches (invocations), a batch's messages run side by
   * side and the ones that succeeded are deleted together once all have ended. Absent: `concurrency` counts
   * messages, each deleted as soon as it succeeds.
   */
  readonly batchSize?: number;
  /** Long-poll wait per ReceiveMessage, 0-20 s. Default 1: also bounds how long `stop()` waits for a poll. */
  readonly waitTimeSeconds?: number;
  /** Told about handler throws and failed queue calls; the poller carries on either way. */
  readonly onError?: (error: unknown) => void;
}

/** A running poller. */
export interface Poller {
  /** Stops receiving and resolves once every message in hand has been processed (drained). */
  stop(): Promise<void>;
}

/**
 * The local equivalent of Lambda's SQS event source mapping: long-polls the queue, runs up to `concurrency`
 * messages at once, deletes a message once its handler succeeds and leaves it for redelivery when the
 * handler throws (as a partial batch failure would).
 *
 * @example
 * const poller = startPoller({ sqs, queueUrl, handle: (body) => runtime.handleMessage(body) });
 * // ...
 * await poller.stop();
 */
export function startPoller(options: PollerOptions): Poller {
  const concurrency = Math.max(1, options.concurrency ?? 10);
  const waitTimeSeconds = options.waitTimeSeconds ?? 1;
  const onError = options.onError ?? (() => {});
  const inFlight = new Set<Promise<void>>();
  const stopping = new AbortController();
  let slotFreed: (() => void) | undefined;

  const deleter = batchDeleter(options.sqs, options.queueUrl, onError);
  const handled = async (message: Message): Promise<boolean> => {
    try {
      await options.handle(message.Body ?? '');
      return true;
    } catch (error) {
      onError(error);
      return false;
    }
  };
  const track = (work: Promise<void>): void => {
    const done = work.finally(() => {
      inFlight.delete(done);
      slotFreed?.();
    });
    inFlight.add(done);
  };
  const processMessage = (message: Message): void => {
    track(
      (async () => {
        if (await handled(message)) await deleter.delete(message.ReceiptHandle ?? '');
      })(),
    );
  };
  // one invocation: its messages side by side, the ones that succeeded deleted together at its end
  const processBatch = (messages: readonly Message[]): void => {
    track(
      (async () => {
        const outcomes = await Promise.all(messages.map(handled));
        const succeeded = messages.filter((_, i) => outcomes[i]);
        await Promise.all(succeeded.map((message) => deleter.delete(message.ReceiptHandle ?? '')));
      })(),
    );
  };
  const batchSize =
    options.batchSize === undefined ? undefined : Math.min(10, Math.max(1, options.batchSize));

  const loop = async (): Promise<void> => {
    while (!stopping.signal.aborted) {
      if (inFlight.size >= concurrency) {
        await new Promise<void>((resolve) => {
          slotFreed = resolve;
        });
        slotFreed = undefined;
        continue;
      }
      try {
        const received = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: batchSize ?? Math.min(10, concurrency - inFlight.size),
            WaitTimeSeconds: waitTimeSeconds,
          }),
          { abortSignal: stopping.signal },
        );
        const messages = received.Messages ?? [];
        if (batchSize === undefined) for (const message of messages) processMessage(message);
        else if (messages.length > 0) processBatch(messages);
      } catch (error) {
        if (stopping.signal.aborted) break;
        onError(error);
        await delay(200, stopping.signal);
      }
    }
  };

  const running = loop();
  return {
    async stop() {
      stopping.abort();
      slotFreed?.();
      await running;
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      await deleter.flush();
    },
  };
}

/** SQS deletes at most 10 messages per batch request. */
const DELETE_BATCH = 10;

/**
 * Deletes handled messages in batches of up to ten, as Lambda's event source mapping does: the messages
 * handled in one turn of the event loop share a request. A failed delete is reported; the message comes
 * back after its visibility timeout, and handling it again has no second effect.
 */
function batchDeleter(
  sqs: SQSClient,
  queueUrl: string,
  onError: (error: unknown) => void,
): { delete(receiptHandle: string): Promise<void>; flush(): Promise<void> } {
  let pending: { handle: string; done: () => void }[] = [];
  let scheduled = false;
  const flush = async (): Promise<void> => {
    scheduled = false;
    const taken = pending;
    pending = [];
    for (let start = 0; start < taken.length; start += DELETE_BATCH) {
      const batch = taken.slice(start, start + DELETE_BATCH);
      try {
        const result = await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((entry, i) => ({ Id: String(i), ReceiptHandle: entry.handle })),
          }),
        );
        for (const failed of result.Failed ?? [])
          onError(new Error(`SQS did not delete a message: ${failed.Message}`));
      } catch (error) {
        onError(error);
      }
      for (const entry of batch) entry.done();
    }
  };
  return {
    delete: (handle) =>
      new Promise<void>((resolve) => {
        pending.push({ handle, done: resolve });
        if (!scheduled) {
          scheduled = true;
          setImmediate(() => void flush());
        }
      }),
    flush,
  };
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
