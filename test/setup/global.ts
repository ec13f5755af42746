// Once per `vitest run` of the PostgreSQL project:
// - setup: a template database with every migration applied, so that each test file's database is a
//   copy (CREATE DATABASE … TEMPLATE, a fraction of a second) instead of a migration run of its own;
// - teardown: drop the databases this run created that are still there (the template, and a file's
//   that crashed before its own afterAll). Only this run's: the run id is in the names.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { templateDatabaseName, testDatabasePrefix } from './database-prefix.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function databaseUrl(baseUrl: string, name: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function setup(): Promise<void> {
  const baseUrl = process.env.DATABASE_URL;
  const runId = process.env.TEST_RUN_ID;
  if (!baseUrl || !runId) return;
  const name = templateDatabaseName(runId);
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  // The project's own migration command, in its own process (it reads its settings at load).
  execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/migrate.ts'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: databaseUrl(baseUrl, name),
      REDIS_URL: '',
      ENCRYPTION_KEYS: process.env.ENCRYPTION_KEYS ?? `test1:${Buffer.alloc(32, 7).toString('base64')}`,
    },
  });
}

export async function teardown(): Promise<void> {
  const baseUrl = process.env.DATABASE_URL;
  const runId = process.env.TEST_RUN_ID;
  if (!baseUrl || !runId) return;
  const client = new pg.Client({ connectionString: baseUrl });
  try {
    await client.connect();
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [
      `${testDatabasePrefix()}${runId}_`,
    ]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } catch (error) {
    console.warn(`Leftover test databases not dropped: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
}
