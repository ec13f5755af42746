// The database: PostgreSQL when DATABASE_URL is set, otherwise embedded PGlite in DATA_DIR.
// The Prisma client is a module singleton, imported where needed (not carried on the context).
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { config, type Config } from '../config.js';
import { PrismaClient } from '../generated/prisma/client.js';
import { applyMigrations } from './migrate.js';

export type DatabaseKind = 'postgresql' | 'pglite';

export interface Database {
  kind: DatabaseKind;
  prisma: PrismaClient;
  /** A fresh adapter factory over the same database, for the schema engine. */
  migrationAdapter(): SqlMigrationAwareDriverAdapterFactory;
  /** Applies pending migrations; serialised across instances on PostgreSQL. */
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}

// Any constant works; it only has to be the same for every instance of Switchboard.
const MIGRATION_LOCK_ID = 0x5b0a7d;

export function openDatabase(cfg: Config): Database {
  if (cfg.databaseUrl) {
    const connectionString = cfg.databaseUrl;
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString }) });
    return {
      kind: 'postgresql',
      prisma,
      migrationAdapter: () => new PrismaPg({ connectionString }),
      async migrate() {
        // Two instances starting together must not both apply the same migration.
        const lockClient = new pg.Client({ connectionString });
        await lockClient.connect();
        try {
          await lockClient.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
          return await applyMigrations(new PrismaPg({ connectionString }));
        } finally {
          await lockClient.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => {});
          await lockClient.end();
        }
      },
      close: () => prisma.$disconnect(),
    };
  }
  const inMemory = cfg.dataDir.startsWith('memory://');
  const dataDir = inMemory ? 'memory://' : path.resolve(cfg.dataDir, 'pglite');
  if (!inMemory) fs.mkdirSync(dataDir, { recursive: true });
  const pglite = new PGlite(dataDir);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    kind: 'pglite',
    prisma,
    migrationAdapter: () => new PrismaPGlite(pglite),
    migrate: () => applyMigrations(new PrismaPGlite(pglite)),
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

export const database: Database = openDatabase(config);
export const prisma: PrismaClient = database.prisma;
