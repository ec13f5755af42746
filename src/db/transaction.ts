// The one way to open a database transaction. It marks the async context it runs in, so the
// outbound HTTP layer (src/net/outbound.ts) can refuse a provider call made while a transaction
// (and its connection, and its row locks) is held: PGlite has one connection and PostgreSQL a small
// pool, so a slow provider inside a transaction stalls everything else.
import { AsyncLocalStorage } from 'node:async_hooks';
import { prisma } from './client.js';

export type Transaction = Parameters<Parameters<typeof prisma.$transaction>[0]>[0];

const insideTransaction = new AsyncLocalStorage<true>();

/** A short interactive transaction: database statements only, never a network call. */
export function transaction<T>(work: (tx: Transaction) => Promise<T>, options: { timeoutMs?: number } = {}): Promise<T> {
  const timeout = options.timeoutMs ?? 10_000;
  return prisma.$transaction((tx) => insideTransaction.run(true, () => work(tx)), { maxWait: timeout, timeout });
}

/** Whether the caller runs inside transaction(): the outbound HTTP layer checks it. */
export function isInsideTransaction(): boolean {
  return insideTransaction.getStore() === true;
}
