import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { cloudEventType } from '../../src/events/index.ts';
import { createTargetPolicy, signatureHeaders, verdictFor } from '../../src/webhooks/index.ts';
import { decryptSecret, encryptSecret, generateSecret } from '../../src/webhooks/secrets.ts';
import type { AttemptOutcome } from '../../src/webhooks/sender.ts';

describe('Standard Webhooks signatures', () => {
  it('verify with the independent standardwebhooks package, with either secret of a rotation', () => {
    const [old, fresh] = [generateSecret(), generateSecret()];
    const body = JSON.stringify({ specversion: '1.0', id: 'e1' });
    const headers = signatureHeaders('e1', Math.floor(Date.now() / 1000), body, [old, fresh]);
    expect(new Webhook(old).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(fresh).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(old).verify(`${body} `, headers)).toThrow();
  });

  it('makes whsec_ secrets of 32 random bytes', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(generateSecret()).not.toBe(secret);
  });
});

describe('secrets at rest', () => {
  const key = Buffer.alloc(32, 7);
  it('decrypt only for the endpoint they were made for, under the same key', () => {
    const secret = generateSecret();
    const stored = encryptSecret(key, 'endpoint-a', secret, new Date());
    expect(stored.ciphertext).not.toContain(secret.slice(6, 20));
    expect(decryptSecret(key, 'endpoint-a', stored)).toBe(secret);
    expect(() => decryptSecret(key, 'endpoint-b', stored)).toThrow();
    expect(() => decryptSecret(Buffer.alloc(32, 8), 'endpoint-a', stored)).toThrow();
  });
});

describe('target policy', () => {
  const strict = createTargetPolicy({ allowHttp: false, allowed: [] });
  const tests = createTargetPolicy({ allowHttp: true, allowed: ['127.0.0.1', '10.1.0.0/16'] });

  it.each([
    'http://example.com/hook',
    'https://127.0.0.1/hook',
    'https://[::1]/hook',
    'https://10.0.0.5/hook',
    'https://172.16.3.4/',
    'https://192.168.1.1/',
    'https://169.254.169.254/latest/meta-data',
    'https://[fe80::1]/',
    'https://[::ffff:10.0.0.1]/',
    'https://0.0.0.0/',
    'https://user:pw@93.184.216.34/',
    'ftp://93.184.216.34/',
  ])('refuses %s by default', async (url) => {
    expect(await strict.check(url)).not.toBeNull();
  });

  it('allows a public address over https, and what the allow-list names', async () => {
    expect(await strict.check('https://93.184.216.34/hook')).toBeNull();
    expect(await tests.check('http://127.0.0.1:8080/hook')).toBeNull();
    expect(await tests.check('https://10.1.2.3/hook')).toBeNull();
    expect(await tests.check('https://10.2.0.1/hook')).not.toBeNull();
  });
});

describe('retry verdicts', () => {
  const policy = { schedule: [5_000, 300_000], jitter: 0.1, random: () => 1 };
  const outcome = (o: Partial<AttemptOutcome>): AttemptOutcome => ({
    status: 500,
    latencyMs: 1,
    error: 'HTTP 500',
    excerpt: '',
    retryAfterSeconds: null,
    ...o,
  });

  it('follows the schedule with jitter, then dead-letters', () => {
    expect(verdictFor(1, outcome({}), policy)).toEqual({ kind: 'retry', delayMs: 5_500 });
    expect(verdictFor(2, outcome({}), { ...policy, random: () => 0 })).toEqual({
      kind: 'retry',
      delayMs: 270_000,
    });
    expect(verdictFor(3, outcome({}), policy)).toEqual({ kind: 'dead' });
  });

  it('delivers on 2xx, stops on 410, honours Retry-After', () => {
    expect(verdictFor(1, outcome({ status: 204, error: null }), policy).kind).toBe('delivered');
    expect(verdictFor(1, outcome({ status: 410, error: 'HTTP 410' }), policy).kind).toBe('gone');
    expect(
      verdictFor(1, outcome({ status: 429, error: 'HTTP 429', retryAfterSeconds: 30 }), policy),
    ).toEqual({ kind: 'retry', delayMs: 30_000 });
  });
});

describe('CloudEvents types', () => {
  it.each([
    ['ticket', 'TicketClassified', 1, 'io.ticketflow.ticket.classified.v1'],
    ['ticket', 'SlaBreached', 1, 'io.ticketflow.ticket.sla_breached.v1'],
    ['ticket', 'TicketClosed', 2, 'io.ticketflow.ticket.closed.v2'],
    ['user', 'UserCreated', 1, 'io.ticketflow.user.created.v1'],
  ])('%s %s v%d → %s', (kind, type, version, expected) => {
    expect(cloudEventType(kind, type, version)).toBe(expected);
  });
});
