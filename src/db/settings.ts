// Where the data lives: PostgreSQL when DATABASE_URL is set, else embedded PGlite in DATA_DIR.
import { z } from 'zod';
import { defineSettings, flag, integer, optionalUrl, setting, type SettingsOf } from '../kernel/settings.js';

export const databaseSettings = defineSettings(
  'Database',
  {
    DATABASE_URL: setting(
      optionalUrl(['postgresql', 'postgres'], { path: true, query: true, credentials: true }),
      'PostgreSQL; unset means embedded PGlite in `DATA_DIR` (no service needed)',
      {
        example: 'postgresql://postgres@127.0.0.1:5432/switchboard',
      },
    ),
    DATA_DIR: setting(z.string().default('./data'), 'the embedded database and the development encryption key'),
    DATABASE_POOL_SIZE: setting(integer({ min: 1, max: 1000, default: 10 }), 'PostgreSQL connections per instance'),
    DATABASE_CONNECT_TIMEOUT_MS: setting(integer({ min: 100, default: 5_000 }), 'PostgreSQL: how long to wait for a connection'),
    DATABASE_STATEMENT_TIMEOUT_MS: setting(integer({ min: 0, default: 15_000 }), 'PostgreSQL: the limit per statement (0: none)'),
    EMBEDDED_SHARED_BUFFERS_MB: setting(
      integer({ min: 1, max: 4096, default: 16 }),
      "the embedded database's page cache (PostgreSQL's shared_buffers); its start-up initialises all of it",
    ),
    EMBEDDED_MAINTENANCE_INTERVAL_SECONDS: setting(
      integer({ min: 0, default: 2 }),
      "the job `embedded-database-maintenance`: how often the embedded database's tables are vacuumed and analyzed when past autovacuum's thresholds, as PostgreSQL's autovacuum does (0 turns it off)",
    ),
    EMBEDDED_OPTIMIZING_COMPILER: setting(
      flag(false),
      "the embedded database (PostgreSQL in WebAssembly) is also compiled by V8's optimizing compiler as its code gets hot: seconds of CPU in the first seconds of a load, beside the requests, for statements about a tenth faster afterwards (worth it for a long-running, busy embedded database); V8's setting covers the process's other WebAssembly too (Prisma's query compiler, undici's HTTP parser)",
    ),
    STORAGE_MIN_FREE_MB: setting(
      integer({ min: 17, default: 32 }),
      'embedded database: `/ready` answers 503 (storage full) when `DATA_DIR` has less free space than this (a new 16 MB WAL segment, plus a margin)',
    ),
    STORAGE_WARN_FREE_MB: setting(
      integer({ min: 17, default: 512 }),
      'embedded database: a warning is logged (at most once a minute) when `DATA_DIR` has less free space than this',
    ),
    READY_TIMEOUT_MS: setting(integer({ min: 100, default: 2_000 }), '`/ready` answers 503 when the database has not answered within this'),
  },
  (values) => ({
    url: values.DATABASE_URL,
    dataDir: values.DATA_DIR,
    poolSize: values.DATABASE_POOL_SIZE,
    connectTimeoutMs: values.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: values.DATABASE_STATEMENT_TIMEOUT_MS,
    readyTimeoutMs: values.READY_TIMEOUT_MS,
    embeddedSharedBuffersMb: values.EMBEDDED_SHARED_BUFFERS_MB,
    embeddedMaintenanceIntervalSeconds: values.EMBEDDED_MAINTENANCE_INTERVAL_SECONDS,
    embeddedOptimizingCompiler: values.EMBEDDED_OPTIMIZING_COMPILER,
    storageMinFreeMb: values.STORAGE_MIN_FREE_MB,
    storageWarnFreeMb: values.STORAGE_WARN_FREE_MB,
  }),
);
export type DatabaseSettings = SettingsOf<typeof databaseSettings>;
