// A script, run by test/embedded-wasm-compiler.test.ts under V8's --trace-wasm-compilation-times: starts
// an embedded database in memory with EMBEDDED_OPTIMIZING_COMPILER as its argument, gives it work enough
// for V8 to find hot functions, and exits. The caller reads the trace V8 prints.
import { startPGliteThread } from '../../src/db/pglite-thread.js';

const client = startPGliteThread({
  dataDir: 'memory://',
  sharedBuffersMb: 8,
  optimizingCompiler: process.argv[2] === 'true',
  statementListeners: new Set(),
});
await client.exec('CREATE TABLE work (id int PRIMARY KEY, body jsonb)');
for (let round = 0; round < 300; round++) {
  await client.query("INSERT INTO work SELECT n, jsonb_build_object('n', n, 'text', repeat('x', 200)) FROM generate_series($1::int, $1::int + 49) AS n", [
    round * 50,
  ]);
  await client.query("SELECT count(*), max(body->>'text') FROM work WHERE id >= $1", [round * 25]);
}
await client.close();
