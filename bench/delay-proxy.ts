/**
 * A loopback TCP proxy that adds network latency, standing in for `tc qdisc ... netem delay 1000ms 500ms`
 * on the worker's host: while enabled, every chunk the client sends waits a uniformly drawn delay before
 * it is forwarded. Answers come back undelayed, as netem on one host delays only what that host sends,
 * so a request/response round trip gains one delay. Chunks of one connection keep their order: a chunk
 * never overtakes the one before it (it leaves at the later of its own due time and its predecessor's).
 */
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/** Added latency per chunk: uniform in [meanMs - jitterMs, meanMs + jitterMs]. */
export interface Delay {
  readonly meanMs: number;
  readonly jitterMs: number;
}

export interface DelayProxy {
  /** `http://127.0.0.1:<port>`: point the SDK client here instead of at the target. */
  readonly endpoint: string;
  /** Delays client-to-target chunks while true; false forwards at once (still in order). */
  enabled: boolean;
  /** Chunks delayed so far, and the delays they drew (ms). */
  readonly delayed: number[];
  close(): Promise<void>;
}

/** Forwards `from` to `to`, each chunk after `delayMs()` (0 for none), never out of order. */
function delayedPipe(from: Socket, to: Socket, delayMs: () => number): void {
  const queue: { readonly due: number; readonly chunk: Buffer | null }[] = [];
  let lastDue = 0;
  let timer: NodeJS.Timeout | undefined;
  const pump = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && (queue[0]?.due ?? 0) <= now) {
      const { chunk } = queue.shift() as { chunk: Buffer | null };
      if (to.destroyed) continue;
      if (chunk === null) to.end();
      else to.write(chunk);
    }
    const next = queue[0];
    if (next) timer = setTimeout(pump, next.due - now);
  };
  const push = (chunk: Buffer | null) => {
    lastDue = Math.max(performance.now() + delayMs(), lastDue);
    queue.push({ due: lastDue, chunk });
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

/** Starts the proxy on 127.0.0.1 (a free port) in front of `target` (`http://host:port`), disabled. */
export async function startDelayProxy(target: string, delay: Delay): Promise<DelayProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const proxy: DelayProxy = {
    endpoint: '',
    enabled: false,
    delayed: [],
    close: async () => {},
  };
  const draw = () => {
    if (!proxy.enabled) return 0;
    const ms = delay.meanMs - delay.jitterMs + Math.random() * 2 * delay.jitterMs;
    proxy.delayed.push(ms);
    return ms;
  };
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
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
    delayedPipe(client, upstream, draw);
    delayedPipe(upstream, client, () => 0);
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
