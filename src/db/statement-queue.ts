// The embedded database runs one statement (or one transaction) at a time. This queue sits in front of
// it so that the statements someone is waiting on right now (a provider's acknowledgement waits for its
// receipt INSERT) go before the background ones queued meanwhile (deliveries' claims and results,
// forwarding rounds): each waits for at most the one operation already running, not for the queue.
import type { EmbeddedClient } from './pglite-thread.js';

export type StatementPriority = 'first' | 'normal';

export interface StatementQueue {
  run<T>(priority: StatementPriority, work: () => Promise<T>): Promise<T>;
}

export function createStatementQueue(): StatementQueue {
  let busy = false;
  const first: Array<() => void> = [];
  const normal: Array<() => void> = [];
  // Queued 'first' work goes next; background work still runs between two of them (a receipt batch is
  // one statement, and the receipts arriving meanwhile wait in memory for the next batch).
  const next = () => {
    const start = first.shift() ?? normal.shift();
    if (start) start();
    else busy = false;
  };
  return {
    run<T>(priority: StatementPriority, work: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const start = () => {
          let running: Promise<T>;
          try {
            running = work();
          } catch (error) {
            running = Promise.reject(error as Error);
          }
          running.then(resolve, reject).finally(next);
        };
        if (!busy) {
          busy = true;
          start();
        } else (priority === 'first' ? first : normal).push(start);
      });
    },
  };
}

/**
 * The PGlite instance as Prisma's adapter uses it (query, exec, transaction), every call through the
 * queue at normal priority; a transaction holds the queue until it ends, as it holds PGlite.
 */
export function queuedPGlite(pglite: EmbeddedClient, queue: StatementQueue): EmbeddedClient {
  return new Proxy(pglite, {
    get(target, property, receiver) {
      if (property === 'query' || property === 'exec' || property === 'transaction') {
        const method = Reflect.get(target, property, target) as (...args: unknown[]) => Promise<unknown>;
        return (...args: unknown[]) => queue.run('normal', () => method.apply(target, args));
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
