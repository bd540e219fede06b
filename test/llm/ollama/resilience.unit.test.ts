import { describe, expect, it } from 'vitest';
import {
  CircuitBreaker,
  CircuitOpenError,
  QueueFullError,
  QueueTimeoutError,
  Semaphore,
  TimeoutError,
  createDeadline,
  withTimeout,
} from '../../../src/llm/resilience/index.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Semaphore', () => {
  it('runs at most maxConcurrent at once and serves waiters in FIFO order', async () => {
    const sem = new Semaphore({ maxConcurrent: 3 });
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sem.run(async () => {
          started.push(i);
          running++;
          peak = Math.max(peak, running);
          await sleep(2);
          running--;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(sem.maxActiveSeen).toBe(3);
    expect(started).toEqual([...started].sort((a, b) => a - b));
    expect(sem.active).toBe(0);
    expect(sem.queued).toBe(0);
  });

  it('rejects with QueueFullError when the queue is at capacity', async () => {
    const sem = new Semaphore({ maxConcurrent: 1, maxQueue: 2 });
    const hold = await sem.acquire();
    const a = sem.acquire();
    const b = sem.acquire();
    await expect(sem.acquire()).rejects.toBeInstanceOf(QueueFullError);
    expect(sem.queued).toBe(2);
    hold();
    (await a)();
    (await b)();
    expect(sem.active).toBe(0);
  });

  it('times out a waiter after maxQueueWaitMs without taking a slot', async () => {
    const sem = new Semaphore({ maxConcurrent: 1, maxQueueWaitMs: 20 });
    const hold = await sem.acquire();
    await expect(sem.acquire()).rejects.toBeInstanceOf(QueueTimeoutError);
    expect(sem.queued).toBe(0);
    hold();
    expect(sem.active).toBe(0);
  });

  it('removes an aborted waiter from the queue', async () => {
    const sem = new Semaphore({ maxConcurrent: 1 });
    const hold = await sem.acquire();
    const controller = new AbortController();
    const waiting = sem.acquire(controller.signal);
    const next = sem.acquire();
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    expect(sem.queued).toBe(1);
    hold();
    (await next)();
    expect(sem.active).toBe(0);
  });

  it('ignores a second release', async () => {
    const sem = new Semaphore({ maxConcurrent: 1 });
    const release = await sem.acquire();
    release();
    release();
    expect(sem.active).toBe(0);
  });
});

describe('CircuitBreaker', () => {
  const fail = () => Promise.reject(new Error('boom'));
  const ok = () => Promise.resolve('ok');

  it('opens after failureThreshold consecutive failures, half-opens after resetAfterMs, closes on a successful probe', async () => {
    let now = 0;
    const transitions: string[] = [];
    const breaker = new CircuitBreaker({
      failureThreshold: 3,
      resetAfterMs: 1000,
      now: () => now,
      onStateChange: (from, to) => transitions.push(`${from}->${to}`),
    });
    await expect(breaker.execute(fail)).rejects.toThrow('boom');
    await breaker.execute(ok); // a success resets the count
    for (let i = 0; i < 3; i++) await expect(breaker.execute(fail)).rejects.toThrow('boom');
    expect(breaker.state).toBe('open');
    let called = false;
    await expect(
      breaker.execute(async () => {
        called = true;
      }),
    ).rejects.toBeInstanceOf(CircuitOpenError);
    expect(called).toBe(false);
    now = 1000;
    expect(breaker.state).toBe('half_open');
    expect(breaker.canPass()).toBe(true);
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
    expect(transitions).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
  });

  it('lets exactly one probe through when half-open; a failed probe re-opens', async () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetAfterMs: 100, now: () => now });
    await expect(breaker.execute(fail)).rejects.toThrow();
    now = 100;
    let finishProbe!: (v: string) => void;
    const probe = breaker.execute(() => new Promise<string>((r) => (finishProbe = r)));
    expect(breaker.canPass()).toBe(false);
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    finishProbe('done');
    await expect(probe).resolves.toBe('done');
    expect(breaker.state).toBe('closed');

    await expect(breaker.execute(fail)).rejects.toThrow();
    now = 250;
    await expect(breaker.execute(fail)).rejects.toThrow('boom'); // the probe fails
    expect(breaker.state).toBe('open');
    now = 300;
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    now = 350;
    await expect(breaker.execute(ok)).resolves.toBe('ok');
  });

  it('does not count errors that isFailure rejects', async () => {
    const breaker = new CircuitBreaker({
      failureThreshold: 1,
      resetAfterMs: 100,
      isFailure: (err) => !(err instanceof Error && err.name === 'AbortError'),
    });
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    await expect(breaker.execute(() => Promise.reject(abort))).rejects.toBe(abort);
    expect(breaker.state).toBe('closed');
  });
});

describe('deadline / withTimeout', () => {
  it('rejects with TimeoutError when fn ignores its signal', async () => {
    const started = Date.now();
    await expect(withTimeout(() => sleep(500), 20)).rejects.toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeLessThan(300);
  });

  it('passes an aborting signal to fn and propagates the parent reason', async () => {
    const parent = new AbortController();
    const seen: AbortSignal[] = [];
    const run = withTimeout(
      (signal) => {
        seen.push(signal);
        return sleep(500);
      },
      10_000,
      parent.signal,
    );
    parent.abort(new Error('caller gave up'));
    await expect(run).rejects.toThrow('caller gave up');
    expect(seen[0]?.aborted).toBe(true);
  });

  it('returns the result and clears its timer', async () => {
    await expect(withTimeout(async () => 7, 1000)).resolves.toBe(7);
    const d = createDeadline(5, undefined);
    d.dispose();
    await sleep(15);
    expect(d.signal.aborted).toBe(false);
    expect(d.timedOut).toBe(false);
  });

  it('is aborted at once when the parent already is', () => {
    const parent = new AbortController();
    parent.abort();
    const d = createDeadline(1000, parent.signal);
    expect(d.signal.aborted).toBe(true);
    expect(d.timedOut).toBe(false);
    d.dispose();
  });
});
