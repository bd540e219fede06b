import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';
import { tokenFor } from '../support/auth.ts';

interface Frame {
  id?: string;
  event?: string;
  data?: string;
  comments: string[];
}

/** A streaming SSE client over fetch: frames as they arrive. */
async function openStream(url: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const frames: Frame[] = [];
  async function next(timeoutMs = 10_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const frame: Frame = { comments: [] };
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) frame.comments.push(line.slice(1).trim());
          const match = /^(id|event|data): ?(.*)$/.exec(line);
          if (match) frame[match[1] as 'id' | 'event' | 'data'] = match[2];
        }
        frames.push(frame);
        return frame;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no frame in time');
      const chunk = await Promise.race([
        reader.read(),
        new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), left)),
      ]);
      if (chunk === 'timeout') continue;
      if (chunk.done) throw new Error('stream ended');
      buffer += chunk.value;
    }
  }
  /** The next `n` event frames (skipping comments). */
  async function events(n: number): Promise<Frame[]> {
    const got: Frame[] = [];
    while (got.length < n) {
      const frame = await next();
      if (frame.event) got.push(frame);
    }
    return got;
  }
  return {
    response,
    next,
    events,
    frames,
    close: () => {
      controller.abort();
      return reader.cancel().catch(() => undefined);
    },
  };
}

describe.each(databaseKinds)('GET /api/events/stream on %s', (kind) => {
  let app: TestApp;
  let server: Server;
  let base: string;
  let auth: { Authorization: string };

  beforeAll(async () => {
    app = await startTestApp(kind, { checkResponses: true });
    auth = (await tokenFor(app, 'integrator')).auth;
    server = app.tf.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await app.close();
  });

  const submit = async (description: string) => {
    const ticket = await app.tf.workflow.submit({
      description,
      requester: { email: 'sse@example.com' },
      actor: { id: 'sse@example.com', role: 'requester' },
    });
    await ticket.settled;
    return ticket;
  };

  it('streams the log live with ids, types, heartbeats and filters, and resumes from Last-Event-ID and ?after=', async () => {
    await submit('forgot my password');
    await submit('datacenter down');
    const url = `${base}/api/events/stream?types=TicketReceived&heartbeat=0.1`;
    const stream = await openStream(url, auth);
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);

    const first = await stream.events(2);
    expect(first.map((f) => f.event)).toEqual(['TicketReceived', 'TicketReceived']);
    const listed = await fetch(`${base}/api/events?types=TicketReceived&limit=1000`, {
      headers: auth,
    });
    const { events } = (await listed.json()) as { events: Array<{ position: number }> };
    // The same shape as GET /api/events; `id:` is the position.
    expect(first.map((f) => JSON.parse(f.data!))).toEqual(events.slice(0, 2));
    expect(first.map((f) => Number(f.id))).toEqual(events.slice(0, 2).map((e) => e.position));

    // Heartbeats while nothing happens.
    await new Promise((resolve) => setTimeout(resolve, 300));
    let heartbeat = false;
    while (!heartbeat) heartbeat = (await stream.next()).comments.includes('heartbeat');

    // Live.
    const third = await submit('printer jam');
    const [live] = await stream.events(1);
    expect(JSON.parse(live!.data!)).toMatchObject({
      type: 'TicketReceived',
      streamId: `ticket-${third.ticketId}`,
    });
    await stream.close();

    // Missed while disconnected, then resumed after the last id seen: nothing twice, nothing lost.
    const fourth = await submit('vpn login fails');
    const resumed = await openStream(`${base}/api/events/stream?types=TicketReceived`, {
      ...auth,
      'Last-Event-ID': live!.id!,
    });
    const [next] = await resumed.events(1);
    expect(JSON.parse(next!.data!)).toMatchObject({ streamId: `ticket-${fourth.ticketId}` });
    await resumed.close();

    const fromAfter = await openStream(
      `${base}/api/events/stream?after=${first[0]!.id}&types=TicketReceived`,
      auth,
    );
    expect((await fromAfter.events(3)).map((f) => f.id)).toEqual([
      first[1]!.id,
      live!.id,
      next!.id,
    ]);
    await fromAfter.close();

    // Unfiltered, every event type comes through in the log's order.
    const everything = await openStream(`${base}/api/events/stream`, auth);
    const all = (await fetch(`${base}/api/events?limit=1000`, { headers: auth }).then((r) =>
      r.json(),
    )) as {
      events: Array<{ position: number; type: string }>;
    };
    const streamed = await everything.events(all.events.length);
    expect(streamed.map((f) => [Number(f.id), f.event])).toEqual(
      all.events.map((e) => [e.position, e.type]),
    );
    await everything.close();
  });

  it('answers bad input and missing credentials with problem+json', async () => {
    for (const [path, headers, status] of [
      ['/api/events/stream', {}, 401],
      ['/api/events/stream?after=999999999', auth, 400],
      ['/api/events/stream?types=Nope', auth, 400],
      ['/api/events/stream?after=-1', auth, 422],
      ['/api/events/stream', { ...auth, 'Last-Event-ID': 'abc' }, 400],
    ] as const) {
      const response = await fetch(`${base}${path}`, { headers });
      expect([path, response.status]).toEqual([path, status]);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      await response.text();
    }
  });
});
