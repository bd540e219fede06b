import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 that a test puts between the server and PostgreSQL to break the link:
 * `cut()` resets every connection, `refuse` closes new ones as they come, `latencyMs` delays each
 * chunk, and `blackhole` holds every byte (connections stay open, nothing arrives) until it is
 * switched off, as a network partition does to TCP: what was held is then delivered in order.
 */
export interface TcpProxy {
  port: number;
  /** `target` with this proxy's host and port. */
  url(target: string): string;
  latencyMs: number;
  refuse: boolean;
  blackhole: boolean;
  /** Resets every open connection (both sides). */
  cut(): void;
  openConnections(): number;
  close(): Promise<void>;
}

interface Pipe {
  client: Socket;
  upstream: Socket;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pipes = new Set<Pipe>();
  /** Chunks held while the black hole is on, per destination socket, in arrival order. */
  const held: Array<{ to: Socket; chunk: Buffer }> = [];
  let blackhole = false;

  const forward = (from: Socket, to: Socket) => {
    /** Delivery time of the last chunk in this direction: latency never reorders. */
    let last = 0;
    from.on('data', (chunk: Buffer) => {
      if (blackhole) return void held.push({ to, chunk });
      if (proxy.latencyMs <= 0) return void to.write(chunk);
      last = Math.max(Date.now() + proxy.latencyMs, last);
      setTimeout(() => to.writable && to.write(chunk), last - Date.now());
    });
  };

  const server = createServer((client) => {
    if (proxy.refuse) return void client.resetAndDestroy();
    const upstream = connect(target.port, target.host);
    const pipe = { client, upstream };
    pipes.add(pipe);
    const end = () => {
      pipes.delete(pipe);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const proxy: TcpProxy = {
    port,
    url(targetUrl) {
      const url = new URL(targetUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    latencyMs: 0,
    refuse: false,
    get blackhole() {
      return blackhole;
    },
    set blackhole(on: boolean) {
      blackhole = on;
      if (on) return;
      for (const { to, chunk } of held.splice(0)) if (to.writable) to.write(chunk);
    },
    cut() {
      for (const { client, upstream } of pipes) {
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      }
      pipes.clear();
    },
    openConnections: () => pipes.size,
    async close() {
      proxy.cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
