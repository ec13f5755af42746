// No module reads configuration or creates process state when it is imported: settings reach code
// through createApp (src/app.ts), and every cache, limiter, bus or timer belongs to an app. Checked on
// the source: top-level `let`s, top-level `new` of a stateful class, and reads of process.env are
// refused outside the few places that own them, each listed here with the reason.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const srcDir = new URL('../../src/', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Places allowed to hold module-level state, and why (path relative to src/, then the name). */
const ALLOWED_STATE: Record<string, string> = {
  // Per process by definition: ids must be monotonic within the process whatever app makes them.
  'kernel/ids.ts lastMsecs': 'the UUIDv7 clock of the process',
  'kernel/ids.ts lastSeq': 'the UUIDv7 counter of the process',
  'kernel/ids.ts poolOffset': 'the random pool of the process',
  // Tells this process's data-directory lock holder file from a previous process's with the same pid.
  'db/embedded.ts PROCESS_TOKEN': 'this process, not an app',
  // OpenTelemetry's provider is global to the process (the API is a global registry).
  'telemetry/tracing.ts tracer': 'the global tracer',
  'telemetry/tracing.ts spanStatusError': 'a constant of the loaded API',
  'telemetry/tracing.ts shutdown': 'the global provider',
  'telemetry/tracing.ts flush': 'the global provider',
  // Memos of pure functions keyed by objects or values: the same answer for every app.
  'graphql/use-shared-subscription-execution.ts nextDocumentId': 'numbers parsed documents (a memo key, not state)',
  'graphql/schema/index.ts schema': 'the schema is a value; each request brings its app in the context',
  'graphql/builder.ts builder': 'the schema builder (a value)',
  'http/compression.ts pageCache': "GraphiQL's page compressed once per encoding (the same bytes for every app)",
  // Read from files once: immutable data.
  'catalog/index.ts catalog': 'the built-in provider catalog, parsed once',
  'db/schema-engine.ts instantiated': 'the WebAssembly engine, instantiated once per process',
  'db/pglite-thread.ts compiledPglite': "PGlite's WebAssembly, compiled once per process for every embedded database's thread",
  'db/pglite-thread.ts threadsStarted': "the process's embedded databases counted: PGlite's WebAssembly is compiled here only from the second on",
  'db/pglite-thread.ts tierUpDecided': "V8's WebAssembly flags are the process's: set once, when its first embedded database starts",
};

/** Constructors whose instances hold state (a module-level one would be shared by every app). */
const STATEFUL = /^(Map|Set|EventEmitter|EventBus|LRUCache|AsyncLocalStorage|Agent|Redis|PrismaClient|PGlite|Registry|Counter|Gauge|Histogram)$/;

function moduleState(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const relative = path.relative(srcDir, file);
  const found: string[] = [];
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    const isLet = (statement.declarationList.flags & ts.NodeFlags.Let) !== 0;
    for (const declaration of statement.declarationList.declarations) {
      const name = declaration.name.getText(source);
      const init = declaration.initializer;
      // A Set or Map filled from a literal list is a constant lookup table, not state.
      const constantTable = init && ts.isNewExpression(init) && init.arguments?.length === 1 && ts.isArrayLiteralExpression(init.arguments[0]!);
      const stateful = init && ts.isNewExpression(init) && STATEFUL.test(init.expression.getText(source)) && !constantTable;
      if (isLet || stateful) found.push(`${relative} ${name}`);
    }
  }
  return found;
}

describe('module state', () => {
  const files = sourceFiles(srcDir);

  it('finds the source files', () => {
    expect(files.length).toBeGreaterThan(80);
  });

  it('keeps mutable state in apps: no module-level let or stateful object outside the listed ones', () => {
    // Entry points (src/main.ts, src/cli/) are programs, not modules others import.
    const modules = files.filter((file) => !/\/(main\.ts|cli\/)/.test(path.relative(srcDir, file).replace(/^/, '/')));
    const found = modules.flatMap(moduleState).filter((entry) => !(entry in ALLOWED_STATE));
    expect(found).toEqual([]);
  });

  it('reads the environment only where configuration is loaded (src/config.ts, src/main.ts, src/cli/)', () => {
    const readers = files
      .filter((file) => /process\.env\b/.test(fs.readFileSync(file, 'utf8')))
      .map((file) => path.relative(srcDir, file))
      .filter((file) => file !== 'config.ts' && file !== 'main.ts' && !file.startsWith('cli/'));
    expect(readers).toEqual([]);
  });

  it('imports the assembled configuration only at the top (src/main.ts, src/app.ts, src/cli/)', () => {
    const importers = files
      .filter((file) => /from '(\.\.?\/)+config\.js'/.test(fs.readFileSync(file, 'utf8')))
      .map((file) => path.relative(srcDir, file))
      .filter((file) => !['main.ts', 'app.ts'].includes(file) && !file.startsWith('cli/'));
    expect(importers).toEqual([]);
  });
});
