// The embedded database on its own thread (src/db/pglite-worker.mjs), seen from the main thread as the
// part of PGlite's interface that Prisma's adapter, the migrations and the statement queue use: query,
// exec, transaction, close. PGlite runs each statement synchronously on the thread that calls it (most of
// a busy embedded instance's CPU), so there it runs beside the main thread instead of blocking it.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { PGlite, QueryOptions, Results, Transaction } from '@electric-sql/pglite';
import { codeFileUrl } from '../paths.js';

/** What the main thread uses of PGlite, and the thread's own end. */
export type EmbeddedClient = Pick<PGlite, 'query' | 'exec' | 'transaction' | 'close'> & {
  /** Ends the thread at once, as a crash would: what is in flight and everything after fails as the database being unavailable. */
  terminate(): Promise<void>;
};

/** A statement the embedded database ran and how long it took on its thread (ms). */
export type StatementListener = (sql: string, ms: number) => void;

interface ErrorData {
  message: string;
  name: string;
  fields: Record<string, string | number | undefined>;
  databaseError: boolean;
}

interface Reply {
  id: number;
  result?: unknown;
  error?: ErrorData;
  ms: number;
}

interface Pending {
  sql: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** The thread stopped (a crash, or closed): PostgreSQL's crash-shutdown code, so callers see DATABASE_UNAVAILABLE. */
class EmbeddedDatabaseStoppedError extends Error {
  override name = 'EmbeddedDatabaseStoppedError';
  code = '57P02';
}

type PGliteModule = typeof import('@electric-sql/pglite');

/** An error from the thread as the caller expects it: PGlite's DatabaseError (Prisma's adapter maps its code), or an Error. */
function errorFrom({ messages }: PGliteModule, data: ErrorData): Error {
  const { length, name, ...fields } = data.fields;
  const error = data.databaseError
    ? new messages.DatabaseError(data.message, Number(length ?? 0), (name ?? 'error') as ConstructorParameters<PGliteModule['messages']['DatabaseError']>[2])
    : Object.assign(new Error(data.message), { name: data.name });
  return Object.assign(error, fields);
}

// PGlite's WebAssembly, compiled once per process from the second database on and handed to each
// database's thread (the test suite opens hundreds): a pure function of the installed file, like the
// module cache. The first database's thread compiles its own, and nothing is compiled here for it: a
// server opens only that one, and a second compile would take CPU from its start on both threads.
let compiledPglite: Promise<WebAssembly.Module | undefined> | undefined;
let threadsStarted = 0;
function pgliteWasmModule(): Promise<WebAssembly.Module | undefined> {
  if (++threadsStarted === 1) return Promise.resolve(undefined);
  compiledPglite ??= (async () => {
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    return WebAssembly.compile(await fs.promises.readFile(path.join(path.dirname(entry), 'pglite.wasm')));
  })().catch(() => undefined);
  return compiledPglite;
}

// V8 compiles WebAssembly with its baseline compiler (Liftoff) as each function is first called, then
// again with its optimizing one (TurboFan) once the function is hot. PGlite's hot functions are large:
// under a first load their optimizing compiles took seconds of CPU (4.4 s in 1,448 functions, one of
// 684 ms) beside the requests, on a machine with two cores, for statements about a tenth faster
// afterwards. Off unless EMBEDDED_OPTIMIZING_COMPILER: the flags are V8's, for the whole process, and
// read whenever a function would be recompiled, so the process's first database decides.
let tierUpDecided = false;
function decideWasmTierUp(optimizingCompiler: boolean): void {
  if (tierUpDecided) return;
  tierUpDecided = true;
  if (!optimizingCompiler) v8.setFlagsFromString('--no-wasm-dynamic-tiering --no-wasm-tier-up');
}

type Parsers = NonNullable<QueryOptions['parsers']>;

/** Applies the caller's parsers to the columns the thread sent back as text. */
function parseColumns(result: Results<unknown>, parsers: Parsers, rowMode: QueryOptions['rowMode']): void {
  const columns: Array<{ index: number; name: string; parse: (value: string, type: number) => unknown; type: number }> = [];
  result.fields.forEach((field, index) => {
    const parse = parsers[field.dataTypeID];
    if (parse) columns.push({ index, name: field.name, parse, type: field.dataTypeID });
  });
  if (!columns.length) return;
  for (const row of result.rows as Array<Record<string, unknown> | unknown[]>) {
    for (const column of columns) {
      const key = rowMode === 'array' ? column.index : column.name;
      const value = (row as Record<string | number, unknown>)[key];
      if (typeof value === 'string') (row as Record<string | number, unknown>)[key] = column.parse(value, column.type);
    }
  }
}

export interface PGliteThreadOptions {
  dataDir: string;
  /** PostgreSQL's shared_buffers (its page cache, set up at every start). */
  sharedBuffersMb: number;
  /** EMBEDDED_OPTIMIZING_COMPILER: whether V8 optimizes hot WebAssembly (the process's first database decides). */
  optimizingCompiler: boolean;
  statementListeners: Set<StatementListener>;
  /** Told when the thread stops other than by close() (a crash): nothing can be stored until a restart. */
  onStopped?: (error: Error) => void;
}

/** Starts PGlite on its own thread; statements sent before it is ready wait for it there. */
export function startPGliteThread(options: PGliteThreadOptions): EmbeddedClient {
  decideWasmTierUp(options.optimizingCompiler);
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let stopped: Error | undefined;
  let closing = false;
  const { statementListeners } = options;

  let thread: Worker | undefined;
  const starting = pgliteWasmModule().then((module) => (thread = spawn(module)));
  // Loaded beside the database's start: only errors need its classes.
  const pgliteModule = import('@electric-sql/pglite');
  function spawn(module: WebAssembly.Module | undefined): Worker {
    const thread = new Worker(codeFileUrl('db/pglite-worker.mjs'), {
      // Not the parent's flags: under tsx or a test runner they would load a TypeScript loader here too.
      execArgv: [],
      workerData: { dataDir: options.dataDir, sharedBuffersMb: options.sharedBuffersMb, pgliteWasmModule: module },
    });
    thread.on('message', (reply: Reply) => {
      const waiting = pending.get(reply.id);
      if (!waiting) return;
      pending.delete(reply.id);
      if (pending.size === 0) thread.unref();
      for (const listener of statementListeners) listener(waiting.sql, reply.ms);
      const { error } = reply;
      if (error) void pgliteModule.then((pglite) => waiting.reject(errorFrom(pglite, error)));
      else waiting.resolve(reply.result);
    });
    const stop = (reason: string) => {
      if (stopped) return;
      stopped = new EmbeddedDatabaseStoppedError(`the embedded database stopped: ${reason}`);
      for (const waiting of pending.values()) waiting.reject(stopped);
      pending.clear();
      if (!closing) options.onStopped?.(stopped);
    };
    thread.on('error', (error) => stop(error.message));
    thread.on('exit', (code) => stop(code === 0 ? 'closed' : `its thread exited with code ${code}`));
    thread.unref();
    return thread;
  }

  // The column types a parsers object covers, read once per object: Prisma's adapter passes the same one
  // with every statement.
  const textTypesByParsers = new WeakMap<Parsers, number[]>();
  const textTypesOf = (parsers: Parsers): number[] => {
    let types = textTypesByParsers.get(parsers);
    if (!types) {
      types = Object.keys(parsers).map(Number);
      textTypesByParsers.set(parsers, types);
    }
    return types;
  };

  const send = <T>(op: 'query' | 'exec' | 'close', sql: string, params?: unknown[], queryOptions?: QueryOptions): Promise<T> => {
    if (stopped) return Promise.reject(stopped);
    const parsers = queryOptions?.parsers;
    const message = {
      id: nextId++,
      op,
      sql,
      params,
      rowMode: queryOptions?.rowMode,
      textTypes: parsers ? textTypesOf(parsers) : undefined,
    };
    const reply = new Promise<unknown>((resolve, reject) => {
      const post = (to: Worker) => {
        if (stopped) return reject(stopped);
        pending.set(message.id, { sql, resolve, reject });
        // Referenced while a statement is out: a script awaiting one must not exit meanwhile.
        if (pending.size === 1) to.ref();
        to.postMessage(message);
      };
      if (thread) post(thread);
      else void starting.then(post);
    });
    if (!parsers) return reply as Promise<T>;
    return reply.then((result) => {
      for (const one of op === 'exec' ? (result as Results<unknown>[]) : [result as Results<unknown>]) parseColumns(one, parsers, queryOptions.rowMode);
      return result as T;
    });
  };

  const query = <T>(sql: string, params?: unknown[], queryOptions?: QueryOptions) => send<Results<T>>('query', sql, params, queryOptions);
  const exec = (sql: string, queryOptions?: QueryOptions) => send<Results[]>('exec', sql, undefined, queryOptions);

  return {
    query,
    exec,
    /**
     * BEGIN, the callback's statements, COMMIT (ROLLBACK when it throws or rolls back), as PGlite's own
     * transaction does; the caller holds the statement queue meanwhile, so nothing else comes between.
     */
    async transaction<T>(callback: (tx: Transaction) => Promise<T>): Promise<T> {
      await exec('BEGIN');
      let closed = false;
      const tx: Transaction = {
        query: (sql, params, queryOptions) => (closed ? Promise.reject(new Error('the transaction is closed')) : query(sql, params, queryOptions)),
        sql: () => Promise.reject(new Error('sql`` is not supported on the embedded database thread')),
        exec: (sql, queryOptions) => (closed ? Promise.reject(new Error('the transaction is closed')) : exec(sql, queryOptions)),
        rollback: async () => {
          closed = true;
          await exec('ROLLBACK');
        },
        listen: () => Promise.reject(new Error('LISTEN is not supported on the embedded database thread')),
        get closed() {
          return closed;
        },
      };
      try {
        const result = await callback(tx);
        if (!closed) {
          closed = true;
          await exec('COMMIT');
        }
        return result;
      } catch (error) {
        if (!closed) {
          closed = true;
          await exec('ROLLBACK').catch(() => {});
        }
        throw error;
      }
    },
    async terminate() {
      const running = await starting;
      await running.terminate();
    },
    async close() {
      if (stopped) return;
      closing = true;
      const running = await starting;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      await send('close', 'close').catch(() => {});
      // Referenced until it has exited: with nothing else left (a server stopping), the process would
      // otherwise end here, before whatever follows close().
      running.ref();
      await exited;
    },
  } as EmbeddedClient;
}
