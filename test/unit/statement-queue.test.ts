// The embedded database's statement queue: one operation at a time, and work marked 'first' (a
// receipt an acknowledgement waits for) goes before the background work queued ahead of it.
import { describe, expect, it } from 'vitest';
import { createStatementQueue } from '../../src/db/statement-queue.js';

describe('statement queue', () => {
  it('runs one operation at a time; queued "first" work overtakes queued normal work, which then runs in order', async () => {
    const queue = createStatementQueue();
    const order: string[] = [];
    let running = 0;
    let most = 0;
    const work = (name: string) => async () => {
      running++;
      most = Math.max(most, running);
      order.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return name;
    };
    const results = await Promise.all([
      queue.run('normal', work('round')),
      queue.run('normal', work('claim')),
      queue.run('normal', work('result')),
      queue.run('first', work('receipt')),
    ]);
    expect(results).toEqual(['round', 'claim', 'result', 'receipt']);
    expect(order).toEqual(['start round', 'start receipt', 'start claim', 'start result']);
    expect(most).toBe(1);
  });

  it('a failing operation rejects its caller only, and the queue goes on', async () => {
    const queue = createStatementQueue();
    const failed = queue.run('normal', () => Promise.reject(new Error('syntax error')));
    const thrown = queue.run('normal', () => {
      throw new Error('thrown before a promise');
    });
    const next = queue.run('first', async () => 'ok');
    await expect(failed).rejects.toThrow('syntax error');
    await expect(thrown).rejects.toThrow('thrown before a promise');
    await expect(next).resolves.toBe('ok');
  });
});
