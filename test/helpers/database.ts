// The test file's database, opened and migrated once per file (test/setup/environment.ts made it: an
// in-memory or private PGlite directory, or a PostgreSQL database of its own) and shared by every app
// the file starts, as instances share one database. Statements are observable (query-count guards).
import { afterAll } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { loadKeyring } from '../../src/crypto/keyring.js';
import { openDatabase } from '../../src/db/database.js';
import { openCredentials, type StoredCredentials } from '../../src/domain/connections.js';
import type { Connection } from '../../src/generated/prisma/client.js';
import { createLogger } from '../../src/kernel/log.js';

const environmentConfig = loadConfig(process.env);
export const testLogger = createLogger(environmentConfig.log);
export const database = openDatabase(environmentConfig.database, { logger: testLogger, observeQueries: true });
await database.migrate();
export const prisma = database.prisma;
/** The keyring every test app loads (ENCRYPTION_KEYS of test/setup/variables.ts). */
export const keyring = loadKeyring({ ...environmentConfig.crypto, dataDir: environmentConfig.database.dataDir }, testLogger);

/** A stored connection's credentials, decrypted. */
export function credentialsOf(connection: Pick<Connection, 'id' | 'credentialsEnc'>): StoredCredentials | null {
  return openCredentials(keyring, connection);
}

/** Closed once, after the file (test/setup/environment.ts then drops what it made, and calls this first too). */
let closing: Promise<void> | undefined;
const closeDatabase = (): Promise<void> => (closing ??= database.close());
(globalThis as { closeTestDatabase?: () => Promise<void> }).closeTestDatabase = closeDatabase;
afterAll(closeDatabase);
