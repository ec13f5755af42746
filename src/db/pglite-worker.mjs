// The embedded database's own thread: PGlite (PostgreSQL compiled to WebAssembly) runs every statement
// synchronously on the thread that calls it, so it runs here, and the main thread (HTTP, GraphQL, the
// workers) only sends statements and reads their results (src/db/pglite-thread.ts). Plain JavaScript,
// so that the same file runs from src/ (tsx, vitest) and from dist/.
// Messages in: { id, op: 'query' | 'exec' | 'close', sql, params, rowMode, textTypes }. textTypes are the
// column types the caller parses itself (its parsers are functions, which cannot cross threads): they
// come back as PostgreSQL's text. Messages out: { id, result, ms } or { id, error, ms }.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, messages, parse, protocol } from '@electric-sql/pglite';

const { dataDir, sharedBuffersMb, pgliteWasmModule } = workerData;
// PostgreSQL's default page cache (128 MB) is set up at every start: most of PGlite's start-up time.
// A new WAL segment is not zero-filled (16 MB written through PGlite's file system in one statement:
// a 100–350 ms stall of whatever statement crossed into it); PostgreSQL then writes its last byte only.
// ANALYZE (the maintenance job's, src/db/embedded-maintenance.ts) samples 3,000 rows per table instead
// of 30,000: it runs on this thread, between the statements someone waits on, and the planner needs
// the tables' sizes and the spread of a status or a time, not fine histograms.
const startParams = [
  ...PGlite.defaultStartParams,
  '-c',
  `shared_buffers=${sharedBuffersMb}MB`,
  '-c',
  'wal_init_zero=off',
  '-c',
  'default_statistics_target=10',
];
const pglite = new PGlite(dataDir, { startParams, ...(pgliteWasmModule ? { pgliteWasmModule } : {}) });
const asText = (value) => value;
const parsersByTypes = new Map();

function parsersFor(textTypes) {
  if (!textTypes || textTypes.length === 0) return undefined;
  const key = textTypes.join(',');
  let parsers = parsersByTypes.get(key);
  if (!parsers) {
    parsers = Object.fromEntries(textTypes.map((type) => [type, asText]));
    parsersByTypes.set(key, parsers);
  }
  return parsers;
}

// Named prepared statements for the statements run again and again (the workers', Prisma's): PGlite's
// query() parses and plans each one afresh as the unnamed statement, and planning was most of the
// database thread's time under load (a result write: ~20 ms planned, 0.5 ms run). A named statement is
// parsed once; PostgreSQL then plans it per execution for five runs and keeps a generic plan when that
// is no worse. Whatever may change the schema (CREATE, ALTER, DROP…) closes them all. A statement is
// named the second time its text is seen (a one-off, such as a migration's, is not), at most
// PREPARED_MAX of them, the least recently used closed first.
const PREPARED_MAX = 256;
const SEEN_MAX = 4096;
const { serialize } = protocol;
/** SQL text → { name, paramTypes }, in the order of last use. */
const prepared = new Map();
/** SQL text seen once, not yet named. */
const seenOnce = new Set();
/** The number in the last statement name given (names are never reused). */
let lastStatementNumber = 0;
const UNNAMED =
  /^\s*(BEGIN|START|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE|SET|RESET|SHOW|LISTEN|UNLISTEN|NOTIFY|DEALLOCATE|DISCARD|PREPARE|EXECUTE|VACUUM|ANALYZE|CREATE|ALTER|DROP|COPY)\b/i;

const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

/**
 * Text that may change what a prepared statement reads, returns or takes (a migration's ALTER TABLE, a
 * column's new type), or removes prepared statements: every one is closed after it, parsed again when next run.
 */
const CHANGES_SCHEMA = /\b(CREATE|ALTER|DROP|DISCARD|DEALLOCATE)\b/i;

async function closePrepared(names) {
  if (names.length === 0) return;
  const closes = names.map((name) => serialize.close({ type: 'S', name }));
  await pglite.execProtocol(concat(...closes, serialize.sync()), { throwOnError: false, syncToFs: false });
}

async function forgetPrepared() {
  const names = [...prepared.values()].map(({ name }) => name);
  prepared.clear();
  seenOnce.clear();
  await closePrepared(names);
}

/** The named statement for `sql`, parsed now if it is not yet. */
async function preparedFor(sql) {
  const known = prepared.get(sql);
  if (known) {
    prepared.delete(sql);
    prepared.set(sql, known);
    return known;
  }
  if (prepared.size >= PREPARED_MAX) {
    const [oldest, { name: oldName }] = prepared.entries().next().value;
    prepared.delete(oldest);
    await closePrepared([oldName]);
  }
  const name = `switchboard_${++lastStatementNumber}`;
  const { messages: described } = await pglite.execProtocol(
    concat(serialize.parse({ name, text: sql }), serialize.describe({ type: 'S', name }), serialize.sync()),
    { syncToFs: false },
  );
  const statement = { name, paramTypes: parse.parseDescribeStatementResults(described) };
  prepared.set(sql, statement);
  return statement;
}

/** PGlite's query(), on a named statement: bind, describe, execute and sync sent at once. */
async function queryPrepared(sql, params, options) {
  const { name, paramTypes } = await preparedFor(sql);
  const values = (params ?? []).map((value, index) => {
    if (value === null || value === undefined) return null;
    const serializer = pglite.serializers[paramTypes[index]];
    return serializer ? serializer(value) : value.toString();
  });
  const { messages: results } = await pglite.execProtocol(
    concat(serialize.bind({ statement: name, values }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()),
  );
  return parse.parseResults(results, pglite.parsers, options)[0];
}

async function query(sql, params, options) {
  if (UNNAMED.test(sql)) return pglite.query(sql, params, options);
  if (!prepared.has(sql)) {
    if (!seenOnce.has(sql)) {
      if (seenOnce.size >= SEEN_MAX) seenOnce.clear();
      seenOnce.add(sql);
      return pglite.query(sql, params, options);
    }
    seenOnce.delete(sql);
  }
  try {
    return await queryPrepared(sql, params, options);
  } catch (error) {
    // A table it reads changed the columns it returns (a migration): parsed again next time.
    const stale = error instanceof messages.DatabaseError && error.code === '0A000' && /cached plan/.test(error.message) && prepared.get(sql);
    if (stale) {
      prepared.delete(sql);
      await closePrepared([stale.name]);
      // Inside a transaction block the failed Bind has aborted it: the caller gets the error and rolls back.
      const aborted = await pglite.query('SELECT 1').then(
        () => false,
        () => true,
      );
      if (!aborted) return pglite.query(sql, params, options);
    }
    if (error instanceof messages.DatabaseError) Object.assign(error, { query: sql });
    throw error;
  }
}

/** An error as data: its message, name and PostgreSQL's fields (code, detail, constraint…). */
function errorData(error) {
  if (!(error instanceof Error)) return { message: String(error), name: 'Error', fields: {}, databaseError: false };
  const fields = {};
  for (const key of Object.keys(error)) {
    const value = error[key];
    if (value === undefined || typeof value === 'string' || typeof value === 'number') fields[key] = value;
  }
  return { message: error.message, name: error.name, fields, databaseError: error instanceof messages.DatabaseError };
}

/** A result as data: rows, the columns' names and types, the rows changed. */
const resultData = ({ rows, fields, affectedRows }) => ({ rows, fields: fields.map(({ name, dataTypeID }) => ({ name, dataTypeID })), affectedRows });

async function run(message) {
  const options = { rowMode: message.rowMode, parsers: parsersFor(message.textTypes) };
  switch (message.op) {
    case 'query':
    case 'exec':
      try {
        return message.op === 'query'
          ? resultData(await query(message.sql, message.params, options))
          : (await pglite.exec(message.sql, options)).map(resultData);
      } finally {
        if (CHANGES_SCHEMA.test(message.sql)) await forgetPrepared();
      }
    case 'close':
      await pglite.close();
      return null;
    default:
      throw new Error(`unknown operation ${message.op}`);
  }
}

async function handle(message) {
  const started = performance.now();
  try {
    await ready;
    const result = await run(message);
    parentPort.postMessage({ id: message.id, result, ms: performance.now() - started });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: errorData(error), ms: performance.now() - started });
  }
  if (message.op === 'close') parentPort.close();
}

// PGlite that did not start (a broken data directory) answers every statement with the reason.
const ready = pglite.waitReady;
ready.catch(() => {});
// One statement at a time, in the order sent: a transaction is BEGIN, its statements, then COMMIT or
// ROLLBACK, sent by the one caller that holds the main thread's statement queue.
let previous = Promise.resolve();
parentPort.on('message', (message) => {
  previous = previous.then(() => handle(message));
});
