import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../src/shared/index.ts';

// The ticket workflow's use of the one semaphore: a slot count alone, work started at once when a
// slot is free, the rest served in arrival order, each caller given its own work's result.
describe('Semaphore with a slot count', () => {
  it('starts work before run() returns when a slot is free', () => {
    const slots = new Semaphore(1);
    let started = false;
    void slots.run(() => {
      started = true;
      return Promise.resolve();
    });
    expect(started).toBe(true);
    expect(slots.active).toBe(1);
  });

  it('queues beyond the count without limit and serves waiters in arrival order', async () => {
    const slots = new Semaphore(2);
    const order: number[] = [];
    let running = 0;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        slots.run(async () => {
          order.push(i);
          running++;
          expect(running).toBeLessThanOrEqual(2);
          await new Promise((resolve) => setTimeout(resolve, 1));
          running--;
          return i * 10;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 12 }, (_, i) => i * 10));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(slots.maxActiveSeen).toBe(2);
    expect(slots.active).toBe(0);
    expect(slots.queued).toBe(0);
  });

  it('passes a failure on and frees the slot for the next caller', async () => {
    const slots = new Semaphore(1);
    const failing = slots.run(() => Promise.reject(new Error('boom')));
    const next = slots.run(() => Promise.resolve('next'));
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next');
    expect(slots.active).toBe(0);
  });

  it('refuses a count that could never run anything', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});
