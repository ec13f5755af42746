// Prisma's schema engine, compiled to WebAssembly: the same migration logic as `prisma migrate`
// without the native binary, run over our own driver adapter (PGlite or PostgreSQL).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { bindMigrationAwareSqlAdapterFactory, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import * as bindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';
import { migrationsDir, prismaSchemaPath, projectRoot } from '../paths.js';

export type { MigrationList, SchemaEngine };

export { migrationsDir, projectRoot };

export const noFilters = { externalTables: [], externalEnums: [] };

let instantiated: Promise<void> | undefined;

function instantiateWasm(): Promise<void> {
  instantiated ??= (async () => {
    const require = createRequire(import.meta.url);
    const packageDir = path.dirname(require.resolve('@prisma/schema-engine-wasm'));
    const bytes = await fs.promises.readFile(path.join(packageDir, 'schema_engine_bg.wasm'));
    // Node provides WebAssembly; @types/node does not declare it without the DOM lib.
    const { WebAssembly } = globalThis as unknown as {
      WebAssembly: { instantiate(bytes: Buffer, imports: object): Promise<{ instance: { exports: unknown } }> };
    };
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': bindings });
    bindings.__wbg_set_wasm(instance.exports as never);
    (instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start?.();
  })();
  return instantiated;
}

export function readPrismaSchema(): string {
  return fs.readFileSync(prismaSchemaPath, 'utf8');
}

/** Runs `work` with a schema engine over the given adapter, and frees the engine afterwards. */
export async function withSchemaEngine<T>(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  work: (engine: SchemaEngine) => Promise<T>,
  onLog: (message: string) => void = () => {},
): Promise<T> {
  await instantiateWasm();
  const schema = readPrismaSchema();
  const engine = (await bindings.SchemaEngine.new(
    { datamodels: [['schema.prisma', schema]] },
    onLog,
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  )) as SchemaEngine;
  try {
    return await work(engine);
  } finally {
    engine.free();
  }
}

/** The migrations folder in the shape the engine reads it. */
export function readMigrationList(dir = migrationsDir): MigrationList {
  const lockfilePath = path.join(dir, 'migration_lock.toml');
  const migrationDirectories = fs.existsSync(dir)
    ? fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort()
        .map((name) => {
          const file = path.join(dir, name, 'migration.sql');
          return {
            path: name,
            migrationFile: {
              path: 'migration.sql',
              content: fs.existsSync(file)
                ? { tag: 'ok' as const, value: fs.readFileSync(file, 'utf8') }
                : { tag: 'error' as const, value: `${file} is missing` },
            },
          };
        })
    : [];
  return {
    baseDir: dir,
    lockfile: {
      path: 'migration_lock.toml',
      content: fs.existsSync(lockfilePath) ? fs.readFileSync(lockfilePath, 'utf8') : null,
    },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}
