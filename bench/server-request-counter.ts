/**
 * Counts the HTTP requests the in-process emulators receive, through Node's `http.server.request.start`
 * diagnostics channel: the other side of the wire from {@link RequestCounter}, so the benchmark can show
 * that its per-operation counts are every real request and nothing else.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const CHANNEL = 'http.server.request.start';

/** HTTP requests received per local port, while enabled. */
export class ServerRequestCounter {
  readonly #counts = new Map<number, number>();
  /** `server.address()` is a system call: once per server is enough. */
  readonly #ports = new WeakMap<Server, number>();
  #enabled = true;
  readonly #listener = (message: unknown): void => {
    if (!this.#enabled) return;
    const server = (message as { server?: Server }).server;
    if (!server) return;
    let port = this.#ports.get(server);
    if (port === undefined) {
      const address = server.address() as AddressInfo | string | null;
      if (!address || typeof address !== 'object') return;
      port = address.port;
      this.#ports.set(server, port);
    }
    this.#counts.set(port, (this.#counts.get(port) ?? 0) + 1);
  };

  constructor() {
    subscribe(CHANNEL, this.#listener);
  }

  /** Requests received by the server behind `endpoint` (an `http://127.0.0.1:<port>` URL). */
  received(endpoint: string): number {
    return this.#counts.get(Number(new URL(endpoint).port)) ?? 0;
  }

  reset(): void {
    this.#counts.clear();
  }

  pause(): void {
    this.#enabled = false;
  }

  resume(): void {
    this.#enabled = true;
  }

  /** Stops listening. */
  close(): void {
    unsubscribe(CHANNEL, this.#listener);
  }
}
