// Once per `vitest run`: after every file, drop the PostgreSQL databases this run created that are
// still there (a file that crashed before its own afterAll). Only this run's: the run id is in the name.
import pg from 'pg';
import { testDatabasePrefix } from './database-prefix.js';

export async function teardown(): Promise<void> {
  const baseUrl = process.env.DATABASE_URL;
  const runId = process.env.TEST_RUN_ID;
  if (!baseUrl || !runId) return;
  const client = new pg.Client({ connectionString: baseUrl });
  try {
    await client.connect();
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [`${testDatabasePrefix()}${runId}_`]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } catch (error) {
    console.warn(`Leftover test databases not dropped: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
}
