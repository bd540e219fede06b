import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent } from '../../src/events/index.ts';
import { databaseKinds } from '../support/databases.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';
import { tokenFor } from '../support/auth.ts';
import { until } from '../support/webhookReceiver.ts';

const actor = { actor: { id: 'test', role: 'system' as const }, correlationId: 'sse-test' };

/** Big events (20 kB each), so a client that does not read fills every buffer on the way. */
async function appendBig(app: TestApp, count: number): Promise<void> {
  for (let done = 0; done < count; done += 50) {
    const events = Array.from({ length: 50 }, () =>
      createEvent(
        'UserCreated',
        { userId: randomUUID(), email: 'x@example.com', name: 'n'.repeat(20_000) },
        actor,
      ),
    );
    await app.tf.store.appendToStream(`bulk-${randomUUID()}`, events, 'no_stream');
  }
}

/** A raw HTTP client whose reading the test controls. */
function rawStream(port: number, token: string, lastEventId?: string) {
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  let ended = false;
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('end', () => (ended = true));
  socket.on('close', () => (ended = true));
  socket.on('error', () => (ended = true));
  socket.write(
    `GET /api/events/stream?types=UserCreated&heartbeat=0.2 HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
      `Authorization: Bearer ${token}\r\n${lastEventId ? `Last-Event-ID: ${lastEventId}\r\n` : ''}\r\n`,
  );
  return {
    socket,
    text: () => dechunked(Buffer.concat(chunks)),
    ended: () => ended,
  };
}

/**
 * The body of a raw HTTP/1.1 answer in chunked transfer encoding, as far as it arrived: chunk
 * sizes can fall anywhere, even inside an `id:` line, so frames are read from the decoded body.
 */
function dechunked(raw: Buffer): string {
  const start = raw.indexOf('\r\n\r\n');
  if (start < 0) return '';
  const parts: Buffer[] = [];
  let at = start + 4;
  while (at < raw.length) {
    const lineEnd = raw.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(raw.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(raw.subarray(lineEnd + 2, Math.min(raw.length, lineEnd + 2 + size)));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** The frames that arrived whole (each ends in a blank line), with their ids. */
function completeFrames(body: string): string[] {
  return body.split('\n\n').slice(0, -1);
}

describe.each(databaseKinds)('the SSE stream for the long haul on %s', (kind) => {
  let app: TestApp;
  let server: Server;
  let port: number;
  let token: string;

  beforeAll(async () => {
    app = await startTestApp(kind, {
      env: { SSE_MAX_BUFFER_BYTES: '65536', SSE_DRAIN_TIMEOUT_MS: '300' },
    });
    server = app.tf.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
    token = (await tokenFor(app, 'integrator')).token;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await app?.close();
  });

  it('disconnects a client that does not read, which then resumes from its last id', async () => {
    const slow = rawStream(port, token);
    await until(() => slow.text().includes('retry: 2000'), 'the stream opened');
    slow.socket.pause();
    await appendBig(app, 1000);
    // The server gives up on it rather than holding 20 MB for it: the connection ends.
    slow.socket.resume();
    await until(() => slow.ended(), 'the server disconnected the slow client', 60_000);
    const frames = completeFrames(slow.text()).filter((f) => /^id: \d+$/m.test(f));
    const ids = frames.map((f) => Number(/^id: (\d+)$/m.exec(f)![1]));
    const head = await app.tf.store.headPosition();
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.at(-1)!).toBeLessThan(head);
    // It resumes where it stopped: the next event is the one after its last complete frame.
    const lastComplete = String(ids.at(-1)!);
    const resumed = rawStream(port, token, lastComplete);
    await until(() => /^id: \d+$/m.test(resumed.text()), 'the resumed stream');
    const next = Number(/^id: (\d+)$/m.exec(resumed.text())![1]);
    expect(next).toBeGreaterThan(Number(lastComplete));
    const { rows } = await app.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM tf_events WHERE type = 'UserCreated' AND position > $1 AND position < $2`,
      [Number(lastComplete), next],
    );
    expect(Number(rows[0]!.n)).toBe(0);
    resumed.socket.destroy();
  }, 120_000);

  it('sends heartbeats and a retry field, and CloudEvents when asked', async () => {
    const c = rawStream(port, token);
    await until(() => (c.text().match(/: heartbeat/g) ?? []).length >= 2, 'two heartbeats');
    expect(c.text()).toMatch(/^retry: \d+$/m);
    c.socket.destroy();
    const page = await app.http
      .get('/api/events?format=cloudevents&types=UserCreated&limit=1')
      .set('Authorization', `Bearer ${token}`);
    expect(page.status).toBe(200);
    expect(page.body.events[0]).toMatchObject({
      specversion: '1.0',
      type: 'io.ticketflow.user.created.v1',
      datacontenttype: 'application/json',
    });
    expect(page.body.events[0].tfposition).toBeGreaterThan(0);
  });
});
