// The database: PostgreSQL when DATABASE_URL is set, otherwise embedded PGlite in DATA_DIR. Opened
// once by the app (tests may hand one database to several apps) and passed down; transaction() is the
// one way to open a transaction.
import { AsyncLocalStorage } from 'node:async_hooks';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../kernel/log.js';
import { migrate } from './migrate.js';
import type { DatabaseSettings } from './settings.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded.js';
import type { EmbeddedClient, StatementListener } from './pglite-thread.js';
import { createStatementQueue, queuedPGlite } from './statement-queue.js';

export type DatabaseKind = 'postgresql' | 'pglite';

type QueryListener = (query: string) => void;

/** A Prisma interactive transaction's client. */
export type Transaction = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

export interface Database {
  kind: DatabaseKind;
  prisma: PrismaClient;
  /** Applies pending migrations; serialised across instances on PostgreSQL. */
  migrate(): Promise<string[]>;
  /**
   * A short interactive transaction: database statements only, never a network call. It marks the
   * async context it runs in, so the outbound HTTP layer refuses a provider call made while a
   * transaction (its connection, its row locks) is held: PGlite has one connection and PostgreSQL a
   * small pool, so a slow provider inside a transaction would stall everything else.
   */
  transaction<T>(work: (tx: Transaction) => Promise<T>, options?: { timeoutMs?: number }): Promise<T>;
  /**
   * One statement outside Prisma, for the hot path where someone waits on it (a provider's
   * acknowledgement waits for its receipt): on the embedded database it goes before every statement
   * queued behind the one running. Parameters are $1, $2…; resolves with the rows it changed.
   */
  executeFirst(sql: string, params: unknown[]): Promise<number>;
  /**
   * One statement outside Prisma, queued behind the others like Prisma's: for background writes of
   * arrays (the activity log's batch), whose every element Prisma's parameter mapping visits on the
   * main thread. Parameters are $1, $2…; resolves with the rows it changed.
   */
  execute(sql: string, params: unknown[]): Promise<number>;
  /**
   * One read outside Prisma, straight to the driver (the pool, or PGlite behind the statement
   * queue): for what runs before the server is ready (the keyring check, the readiness probe), so
   * that Prisma's query compiler is loaded after /ready, in the warm-up, rather than before it.
   */
  queryRows<Row>(sql: string): Promise<Row[]>;
  /** Whether the caller runs inside transaction(): the outbound HTTP layer checks it. */
  isInsideTransaction(): boolean;
  /** Observes every SQL statement (the test suite's N+1 guards; needs `observeQueries`). Returns an unsubscribe. */
  onQuery(listener: QueryListener): () => void;
  /**
   * Times every statement the embedded database runs on its thread (benches: how busy that thread is).
   * Absent on PostgreSQL, whose statements run in another process. Returns an unsubscribe.
   */
  onStatement?(listener: StatementListener): () => void;
  close(): Promise<void>;
}

export interface OpenOptions {
  logger: Logger;
  /**
   * Emit an event per statement for onQuery. For the test suite's query-count guards only: Prisma
   * builds each event with its parameters serialized, a cost every statement would pay.
   */
  observeQueries?: boolean;
  /** The embedded database, already started (main.ts starts it before loading the application). */
  embedded?: EmbeddedDatabase;
}

/** The adapter is typed for PGlite itself; it calls only what EmbeddedClient has. */
type PGliteForAdapter = ConstructorParameters<typeof PrismaPGlite>[0] & EmbeddedClient;

function createClient(adapter: SqlDriverAdapterFactory, listeners: Set<QueryListener> | undefined): PrismaClient {
  if (!listeners) return new PrismaClient({ adapter });
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] as const });
  client.$on('query', (event) => {
    for (const listener of listeners) listener(event.query);
  });
  return client as unknown as PrismaClient;
}

/** The parts every Database shares: the transaction marker and the query listeners. */
function withTransactions(prisma: PrismaClient, listeners: Set<QueryListener> | undefined) {
  const insideTransaction = new AsyncLocalStorage<true>();
  // The storage is enabled only while a transaction is open: an enabled AsyncLocalStorage makes Node
  // run a hook on every promise and async resource of the process (a large share of a proxied call's
  // CPU time), while the guard only ever needs to answer inside a transaction.
  let open = 0;
  const closed = () => {
    if (--open === 0) insideTransaction.disable();
  };
  return {
    transaction<T>(work: (tx: Transaction) => Promise<T>, options: { timeoutMs?: number } = {}): Promise<T> {
      const timeout = options.timeoutMs ?? 10_000;
      open++;
      let result: Promise<T>;
      try {
        result = prisma.$transaction((tx) => insideTransaction.run(true, () => work(tx)), { maxWait: timeout, timeout });
      } catch (error) {
        closed();
        throw error;
      }
      return result.finally(closed);
    },
    isInsideTransaction: () => open > 0 && insideTransaction.getStore() === true,
    onQuery(listener: QueryListener): () => void {
      if (!listeners) throw new Error('onQuery needs a database opened with observeQueries.');
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Logs at most one connection error per this interval (a restart cuts every connection at once). */
const POOL_ERROR_LOG_INTERVAL_MS = 5_000;

/**
 * The connection pool, owned here rather than by the Prisma adapter, so that every client carries a
 * permanent 'error' listener from its first connection on. pg-pool removes its own idle listener when
 * it hands a client to a waiting caller; a server shutdown error (57P01) read in that same moment,
 * before the new owner listens, would otherwise be an unhandled 'error' event and end the process.
 * The error itself reaches the query in flight (a typed DATABASE_UNAVAILABLE); here it is only logged.
 */
function createPool(settings: DatabaseSettings, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: settings.url,
    max: settings.poolSize,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    // Enforced by the server; the client-side limit also ends a query to a frozen server.
    ...(settings.statementTimeoutMs ? { statement_timeout: settings.statementTimeoutMs, query_timeout: settings.statementTimeoutMs + 1_000 } : {}),
    idleTimeoutMillis: 30_000,
  });
  let lastLogged = 0;
  let suppressed = 0;
  const onError = (error: Error) => {
    const now = Date.now();
    if (now - lastLogged < POOL_ERROR_LOG_INTERVAL_MS) {
      suppressed++;
      return;
    }
    logger.warn({ err: error, suppressed }, 'a database connection failed; the pool opens a new one when needed');
    lastLogged = now;
    suppressed = 0;
  };
  pool.on('connect', (client) => client.on('error', onError));
  // Errors of idle clients (pg-pool then removes the client).
  pool.on('error', onError);
  return pool;
}

/** PostgreSQL advisory lock taken while migrating. Any constant works; it only has to be the same for every instance of Switchboard. */
export const MIGRATION_LOCK_ID = 0x5b0a7d;

export function openDatabase(settings: DatabaseSettings, options: OpenOptions): Database {
  const listeners = options.observeQueries ? new Set<QueryListener>() : undefined;
  const warn = (error: Error, message: string) => options.logger.warn({ err: error }, message);
  if (settings.url) {
    const connectionString = settings.url;
    const pool = createPool(settings, options.logger);
    const prisma = createClient(new PrismaPg(pool), listeners);
    return {
      kind: 'postgresql',
      prisma,
      ...withTransactions(prisma, listeners),
      executeFirst: async (sql, params) => (await pool.query(sql, params)).rowCount ?? 0,
      execute: async (sql, params) => (await pool.query(sql, params)).rowCount ?? 0,
      queryRows: async <Row>(sql: string) => (await pool.query(sql)).rows as Row[],
      async migrate() {
        // Two instances starting together must not both apply the same migration.
        const lockClient = new pg.Client({ connectionString });
        await lockClient.connect();
        try {
          await lockClient.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
          // The engine takes Prisma's session-level advisory lock on a pooled connection; ending the
          // pool releases it (an idle pool kept it, making the next run wait out a 10 s lock timeout).
          const pool = new pg.Pool({ connectionString, max: 2 });
          try {
            // Already migrated (the usual restart): one query on the locked session, no engine.
            return await migrate(
              async (sql) => (await lockClient.query(sql)).rows,
              () => new PrismaPg(pool),
              {
                runScript: async (sql) => void (await lockClient.query(sql)),
                warn,
              },
            );
          } finally {
            await pool.end();
          }
        } finally {
          await lockClient.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => {});
          await lockClient.end();
        }
      },
      async close() {
        await prisma.$disconnect();
        if (!pool.ended) await pool.end();
      },
    };
  }
  // Started by the caller ahead of the application's modules (main.ts), or here.
  const embedded = options.embedded ?? startEmbeddedDatabase(settings, options.logger);
  const { client: pglite, statementListeners } = embedded;
  const queue = createStatementQueue();
  const prisma = createClient(new PrismaPGlite(queuedPGlite(pglite, queue) as PGliteForAdapter), listeners);
  return {
    kind: 'pglite',
    prisma,
    ...withTransactions(prisma, listeners),
    executeFirst: async (sql, params) => (await queue.run('first', () => pglite.query(sql, params))).affectedRows ?? 0,
    execute: async (sql, params) => (await queue.run('normal', () => pglite.query(sql, params))).affectedRows ?? 0,
    queryRows: async <Row>(sql: string) => (await queue.run('normal', () => pglite.query<Row>(sql))).rows,
    onStatement(listener) {
      statementListeners.add(listener);
      return () => statementListeners.delete(listener);
    },
    // Already migrated (the usual restart): one query, no engine.
    migrate: () =>
      migrate(
        async (sql) => (await pglite.query(sql)).rows as never[],
        () => new PrismaPGlite(pglite as PGliteForAdapter),
        {
          runScript: async (sql) => void (await pglite.exec(sql)),
          warn,
        },
      ),
    async close() {
      await prisma.$disconnect();
      await embedded.close();
    },
  };
}
