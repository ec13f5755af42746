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
