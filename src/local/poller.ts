import {
  DeleteMessageCommand,
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
  /** Messages processed at once, at most. Default 10. */
  readonly concurrency?: number;
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

  const processMessage = (message: Message): void => {
    const done = (async () => {
      try {
        await options.handle(message.Body ?? '');
      } catch (error) {
        onError(error);
        return;
      }
      try {
        await options.sqs.send(
          new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
      } catch (error) {
        // The message comes back after its visibility timeout; handling it again has no second effect.
        onError(error);
      }
    })().finally(() => {
      inFlight.delete(done);
      slotFreed?.();
    });
    inFlight.add(done);
  };

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
            MaxNumberOfMessages: Math.min(10, concurrency - inFlight.size),
            WaitTimeSeconds: waitTimeSeconds,
          }),
          { abortSignal: stopping.signal },
        );
        for (const message of received.Messages ?? []) processMessage(message);
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
    },
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
