// The test file's database, opened and migrated once per file (test/setup/environment.ts made it: an
// in-memory or private PGlite directory, or a PostgreSQL database of its own) and shared by every app
// the file starts, as instances share one database. Statements are observable (query-count guards).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { loadKeyring } from '../../src/crypto/keyring.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import type { DatabaseSettings } from '../../src/db/settings.js';
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

/**
 * An embedded database of the caller's own, apart from the file's: a scratch directory (seeded from the
 * build's template when there is one; an in-memory database runs initdb, seconds), removed after the file.
 */
const scratchDirs: string[] = [];
afterAll(() => {
  for (const dir of scratchDirs) fs.rmSync(dir, { recursive: true, force: true });
});
export function scratchEmbeddedSettings(): DatabaseSettings {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-scratch-'));
  scratchDirs.push(dataDir);
  return { ...environmentConfig.database, url: undefined, dataDir, embeddedSharedBuffersMb: 8 };
}

/** Runs `work` on a scratch embedded database (scratchEmbeddedSettings), closed after it. */
export async function withScratchDatabase<T>(work: (db: Database) => Promise<T>): Promise<T> {
  const db = openDatabase(scratchEmbeddedSettings(), { logger: testLogger });
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

/** Closed once, after the file (test/setup/environment.ts then drops what it made, and calls this first too). */
let closing: Promise<void> | undefined;
const closeDatabase = (): Promise<void> => (closing ??= database.close());
(globalThis as { closeTestDatabase?: () => Promise<void> }).closeTestDatabase = closeDatabase;
afterAll(closeDatabase);
