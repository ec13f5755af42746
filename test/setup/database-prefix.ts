import fs from 'node:fs';
import os from 'node:os';
// Test databases are named <TEST_DATABASE_PREFIX><run id>_<random>; the prefix must be a plain
// lower-case identifier, since it becomes part of CREATE/DROP DATABASE statements.
export function testDatabasePrefix(): string {
  const prefix = process.env.TEST_DATABASE_PREFIX || 'switchboard_test_';
  if (!/^[a-z_][a-z0-9_]{0,30}$/.test(prefix)) throw new Error(`TEST_DATABASE_PREFIX must match [a-z_][a-z0-9_]{0,30}: "${prefix}"`);
  return prefix;
}

/** The run's migrated template database (made by the PostgreSQL project's global setup). */
export function templateDatabaseName(runId: string): string {
  return `${testDatabasePrefix()}${runId}_template`;
}

/** Where test files' embedded data directories go: tmpfs when the machine has it (PGlite writes a lot). */
export function testDataRoot(): string {
  return fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
}

/** Names this run's embedded data directories, so that the global teardown removes this run's leftovers only. */
export function testDataPrefix(runId = process.env.TEST_RUN_ID ?? 'run'): string {
  return `switchboard-test-data-${runId}-`;
}
