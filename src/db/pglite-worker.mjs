// The embedded database's own thread: PGlite (PostgreSQL compiled to WebAssembly) runs every statement
// synchronously on the thread that calls it, so it runs here, and the main thread (HTTP, GraphQL, the
// workers) only sends statements and reads their results (src/db/pglite-thread.ts). Plain JavaScript,
// so that the same file runs from src/ (tsx, vitest) and from dist/.
// Messages in: { id, op: 'query' | 'exec' | 'close', sql, params, rowMode, textTypes }. textTypes are the
// column types the caller parses itself (its parsers are functions, which cannot cross threads): they
// come back as PostgreSQL's text. Messages out: { id, result, ms } or { id, error, ms }.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, messages } from '@electric-sql/pglite';

const { dataDir, sharedBuffersMb, pgliteWasmModule } = workerData;
// PostgreSQL's default page cache (128 MB) is set up at every start: most of PGlite's start-up time.
const startParams = [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffersMb}MB`];
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
      return resultData(await pglite.query(message.sql, message.params, options));
    case 'exec':
      return (await pglite.exec(message.sql, options)).map(resultData);
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
