/**
 * A loopback TCP proxy that adds network latency, standing in for `tc qdisc ... netem delay 1000ms 500ms`
 * on the worker's host: while enabled, every chunk the client sends waits a uniformly drawn delay before
 * it is forwarded. By default answers come back undelayed, as netem on one host delays only what that host
 * sends, so a request/response round trip gains one delay; a response delay can be set as well (the
 * modelled SQS-to-handler leg delays the poller's answers). Chunks of one connection keep their order: a
 * chunk never overtakes the one before it (it leaves at the later of its own due time and its
 * predecessor's). The delays can be changed between phases; each chunk draws from the current ones.
 */
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/** Added latency per chunk: uniform in [meanMs - jitterMs, meanMs + jitterMs]. */
export interface Delay {
  readonly meanMs: number;
  readonly jitterMs: number;
}

/** No added latency. */
export const NO_DELAY: Delay = { meanMs: 0, jitterMs: 0 };

export interface DelayProxy {
  /** `http://127.0.0.1:<port>`: point the SDK client here instead of at the target. */
  readonly endpoint: string;
  /** Delays chunks while true; false forwards at once (still in order). */
  enabled: boolean;
  /** What each chunk the client sends (a request) waits while enabled. */
  requestDelay: Delay;
  /** What each chunk the target sends back (a response) waits while enabled; none by default. */
  responseDelay: Delay;
  /** Delays drawn so far, both directions (ms). */
  readonly delayed: number[];
  /** How long each delayed chunk really waited, from its arrival to its forwarding (ms): timers fire late. */
  readonly held: number[];
  close(): Promise<void>;
}

/** Forwards `from` to `to`, each chunk after `delayMs()` (0 for none), never out of order. */
function delayedPipe(from: Socket, to: Socket, delayMs: () => number, held: number[]): void {
  const queue: {
    readonly due: number;
    readonly arrived: number;
    readonly drawn: boolean;
    readonly chunk: Buffer | null;
  }[] = [];
  let lastDue = 0;
  let timer: NodeJS.Timeout | undefined;
  const pump = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && (queue[0]?.due ?? 0) <= now) {
      const { chunk, arrived, drawn } = queue.shift() as (typeof queue)[number];
      if (drawn) held.push(now - arrived);
      if (to.destroyed) continue;
      if (chunk === null) to.end();
      else to.write(chunk);
    }
    const next = queue[0];
    if (next) timer = setTimeout(pump, next.due - now);
  };
  const push = (chunk: Buffer | null) => {
    const arrived = performance.now();
    const ms = delayMs();
    lastDue = Math.max(arrived + ms, lastDue);
    queue.push({ due: lastDue, arrived, drawn: ms > 0, chunk });
    if (timer === undefined) pump();
  };
  from.on('data', (chunk: Buffer) => push(chunk));
  from.on('end', () => push(null));
  // nothing left to deliver to: drop what waits instead of keeping its timer
  to.on('close', () => {
    clearTimeout(timer);
    queue.length = 0;
  });
}

/**
 * Starts the proxy on 127.0.0.1 (a free port) in front of `target` (`http://host:port`), disabled, with
 * `requestDelay` on what the client sends and `responseDelay` (default none) on what comes back.
 */
export async function startDelayProxy(
  target: string,
  requestDelay: Delay,
  responseDelay: Delay = NO_DELAY,
): Promise<DelayProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const proxy: DelayProxy = {
    endpoint: '',
    enabled: false,
    requestDelay,
    responseDelay,
    delayed: [],
    held: [],
    close: async () => {},
  };
  const draw = (delay: () => Delay) => () => {
    const { meanMs, jitterMs } = delay();
    if (!proxy.enabled || meanMs === 0) return 0;
    const ms = meanMs - jitterMs + Math.random() * 2 * jitterMs;
    proxy.delayed.push(ms);
    return ms;
  };
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      // as the SDK's own sockets: a chunk held back must not then wait for the previous one's ACK (Nagle)
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // a reset on one side closes the other; the SDK sees a dropped connection and retries
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    delayedPipe(
      client,
      upstream,
      draw(() => proxy.requestDelay),
      proxy.held,
    );
    delayedPipe(
      upstream,
      client,
      draw(() => proxy.responseDelay),
      proxy.held,
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return Object.assign(proxy, {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  });
}
