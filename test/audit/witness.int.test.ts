import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cosignaturesOf,
  createWitness,
  generateKeys,
  openCheckpoint,
  parseSignerKey,
  signNote,
  verifyConsistency,
  type VerifierKey,
} from '../../src/audit/index.ts';
import { databaseKinds } from '../support/databases.ts';
import { openAuditedLog, type AuditedLog } from './fixtures/auditedLog.ts';

/**
 * A witness on loopback that does what c2sp.org/tlog-witness asks of `add-checkpoint`: it checks
 * the log's signature, the old size against the size it last cosigned (409 with its size when
 * they differ) and the consistency proof (422 when it fails), then cosigns with its own key.
 */
async function startWitness(logKey: () => VerifierKey) {
  const own = parseSignerKey(generateKeys('witness.test/w1').signer);
  const state = { size: 0, root: Buffer.alloc(0), requests: [] as string[], up: true };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      if (!state.up || req.method !== 'POST' || req.url !== '/w/add-checkpoint') {
        res.writeHead(state.up ? 404 : 503).end();
        return;
      }
      state.requests.push(body);
      const [head, note] = [
        body.slice(0, body.indexOf('\n\n') + 1),
        body.slice(body.indexOf('\n\n') + 2),
      ];
      const [oldLine, ...proofLines] = head.trimEnd().split('\n');
      const oldSize = Number(/^old (\d+)$/.exec(oldLine ?? '')?.[1] ?? NaN);
      let checkpoint;
      try {
        checkpoint = openCheckpoint(note, logKey());
      } catch {
        res.writeHead(403).end();
        return;
      }
      if (oldSize !== state.size) {
        res.writeHead(409, { 'content-type': 'text/x.tlog.size' }).end(`${state.size}\n`);
        return;
      }
      const proof = proofLines.map((line) => Buffer.from(line, 'base64'));
      const consistent =
        oldSize === 0
          ? proof.length === 0
          : verifyConsistency(oldSize, checkpoint.size, proof, state.root, checkpoint.root);
      if (!consistent) {
        res.writeHead(422).end();
        return;
      }
      Object.assign(state, { size: checkpoint.size, root: checkpoint.root });
      const text = note.slice(0, note.indexOf('\n\n') + 1);
      const line = signNote(text, own).trimEnd().split('\n').at(-1)!;
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`${line}\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/w`;
  return { url, state, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe.each(databaseKinds)('checkpoints witnessed on %s', (kind) => {
  let log: AuditedLog | undefined;
  let witness: Awaited<ReturnType<typeof startWitness>> | undefined;
  afterEach(async () => {
    await log?.close();
    await witness?.close();
  });

  async function open(state?: { size: number; root: Buffer }) {
    witness = await startWitness(() => log!.key);
    if (state) Object.assign(witness.state, state);
    const url = witness.url;
    log = await openAuditedLog(kind, {
      witness: (db) => createWitness({ url, db, logger: pino({ level: 'silent' }) }),
    });
    return { log, witness };
  }

  it('sends each checkpoint with a consistency proof from the last one and keeps the cosignatures', async () => {
    const { log, witness } = await open();
    const tickets = [randomUUID(), randomUUID()];
    await log.append(tickets, 3);
    const first = await log.sequence();
    await log.append(tickets, 2);
    const second = await log.sequence();
    expect([first.checkpoint?.size, second.checkpoint?.size]).toEqual([6, 10]);

    expect(witness.state.size).toBe(10);
    expect(witness.state.requests.map((r) => r.split('\n')[0])).toEqual(['old 0', 'old 6']);
    expect(witness.state.requests[1]!.split('\n\n')[0]!.split('\n').length).toBeGreaterThan(1);
    const lines = await cosignaturesOf(log.db, 10);
    expect(lines).toEqual([expect.stringMatching(/^— witness\.test\/w1 [A-Za-z0-9+/=]+$/)]);
    // The cosigned note is still the log's signed checkpoint: other keys' lines are ignored.
    const cosigned = `${second.checkpoint!.note}${lines.map((l) => `${l}\n`).join('')}`;
    expect(openCheckpoint(cosigned, log.key).size).toBe(10);
  });

  it('proves from the size the witness holds when this process does not know it (409)', async () => {
    const { log, witness } = await open();
    const tickets = [randomUUID()];
    await log.append(tickets, 4);
    await log.sequence();
    witness.state.up = false;
    await log.append(tickets, 3);
    const next = await log.sequence();
    witness.state.up = true;
    // Another process, which knows nothing of the witness, submits the checkpoint of 7: it asks
    // from 0, is told 4, and proves 4 → 7.
    const fresh = createWitness({
      url: witness.url,
      db: log.db,
      logger: pino({ level: 'silent' }),
    });
    expect(await fresh.submit(next.checkpoint!)).toHaveLength(1);
    expect(witness.state.requests.map((r) => r.split('\n')[0])).toEqual([
      'old 0',
      'old 0',
      'old 4',
    ]);
    expect(witness.state.size).toBe(7);
  });

  it('keeps signing while the witness is away, and proves the whole gap when it is back', async () => {
    const { log, witness } = await open();
    const tickets = [randomUUID(), randomUUID()];
    await log.append(tickets, 1);
    await log.sequence();
    witness.state.up = false;
    await log.append(tickets, 1);
    expect((await log.sequence()).checkpoint?.size).toBe(4);
    expect(await cosignaturesOf(log.db, 4)).toEqual([]);
    witness.state.up = true;
    await log.append(tickets, 1);
    expect((await log.sequence()).checkpoint?.size).toBe(6);
    expect(witness.state.size).toBe(6);
    expect(witness.state.requests.at(-1)!.split('\n')[0]).toBe('old 2');
    expect(await log.findings()).toEqual([]);
  });

  it('is refused by a witness that cosigned another history (a rewritten log)', async () => {
    // The witness remembers a tree of 3 leaves that this log never had: a rewritten log.
    const { log, witness } = await open({ size: 3, root: Buffer.alloc(32, 7) });
    await log.append([randomUUID()], 5);
    const made = await log.sequence();
    expect(made.checkpoint?.size).toBe(5);
    expect(witness.state.size).toBe(3);
    expect(witness.state.requests.map((r) => r.split('\n')[0])).toEqual(['old 0', 'old 3']);
    expect(await cosignaturesOf(log.db, 5)).toEqual([]);
  });
});
