// Runs before each test file but those under test/unit: a private database for the file (an embedded
// data directory of its own, or a PostgreSQL database copied from the run's migrated template),
// after the settings of variables.ts. test/helpers/database.ts opens and migrates it when a file uses it.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { afterAll } from 'vitest';
import pg from 'pg';
import { templateDatabaseName, testDatabasePrefix } from './database-prefix.js';
import './variables.js';

/** Closes the file's database if it was opened (test/helpers/database.ts registers how). */
const closeTestDatabase = () => (globalThis as { closeTestDatabase?: () => Promise<void> }).closeTestDatabase?.();

if (process.env.DATABASE_URL) {
  const baseUrl = process.env.DATABASE_URL;
  // The run's id (set in vitest.config.ts) lets the global teardown drop what a crashed file left.
  const name = `${testDatabasePrefix()}${process.env.TEST_RUN_ID ?? 'run'}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  // A copy of the run's migrated template (global setup) when there is one: no migration per file.
  const template = process.env.TEST_RUN_ID ? templateDatabaseName(process.env.TEST_RUN_ID) : undefined;
  const { rowCount } = template ? await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]) : { rowCount: 0 };
  await admin.query(`CREATE DATABASE ${name}${rowCount ? ` TEMPLATE ${template}` : ''}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  process.env.DATABASE_URL = url.toString();
  afterAll(async () => {
    await closeTestDatabase();
    const cleanup = new pg.Client({ connectionString: baseUrl });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await cleanup.end();
  });
} else {
  afterAll(async () => {
    await closeTestDatabase();
    // The file's own embedded data directory (variables.ts), with its lock.
    const dataDir = process.env.DATA_DIR;
    if (dataDir && !dataDir.startsWith('memory://')) fs.rmSync(dataDir, { recursive: true, force: true });
  });
}
