// Seeds OAuth 2.0 connections straight into PostgreSQL for the benches that need many of them
// (a multi-row INSERT per thousand; the app's own paths would take minutes at this scale).
import pg from 'pg';
import type { Keyring } from '../src/crypto/envelope.js';

/** `count` connections of one integration, one per user (user-0…), with tokens expiring at `expiresAt`. */
export async function seedOAuthConnections(options: {
  databaseUrl: string;
  keyring: Keyring;
  integrationId: string;
  count: number;
  expiresAt: Date;
}): Promise<void> {
  const { sealCredentials } = await import('../src/domain/connections.js');
  const { newId } = await import('../src/kernel/ids.js');
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 2 });
  try {
    for (let offset = 0; offset < options.count; offset += 1000) {
      const values: unknown[] = [];
      const rows: string[] = [];
      for (let index = offset; index < Math.min(options.count, offset + 1000); index++) {
        const id = newId();
        const credentials = sealCredentials(options.keyring, id, {
          type: 'OAUTH2',
          accessToken: `old-${index}`,
          refreshToken: `r${index}`,
          expiresAt: options.expiresAt.toISOString(),
        });
        const base = values.length;
        values.push(id, options.integrationId, `user-${index}`, credentials, options.expiresAt);
        rows.push(`($${base + 1}, $${base + 2}, $${base + 3}, $${base + 3}, 'default', $${base + 4}, true, $${base + 5}, now(), '{}')`);
      }
      await pool.query(
        `INSERT INTO "Connection" ("id", "integrationId", "ownerId", "ownerKey", "name", "credentialsEnc", "hasRefreshToken", "tokenExpiresAt", "updatedAt", "scopes") VALUES ${rows.join(',')}`,
        values,
      );
    }
  } finally {
    await pool.end();
  }
}
