// Re-encrypts every secret sealed with an older key, so that old keys can be retired.
import type { Keyring } from '../crypto/envelope.js';
import type { Database } from '../db/database.js';
import type { PrismaClient } from '../generated/prisma/client.js';

interface SealedColumn {
  table: 'Integration' | 'Connection' | 'PendingAuthorization' | 'WebhookEndpoint';
  column: 'clientSecretEnc' | 'privateKeyEnc' | 'providerWebhookSecretEnc' | 'credentialsEnc' | 'codeVerifierEnc' | 'secretEnc' | 'previousSecretEnc';
  field: string;
}

const SEALED_COLUMNS: SealedColumn[] = [
  { table: 'Integration', column: 'clientSecretEnc', field: 'clientSecret' },
  { table: 'Integration', column: 'privateKeyEnc', field: 'privateKey' },
  { table: 'Integration', column: 'providerWebhookSecretEnc', field: 'providerWebhookSecret' },
  { table: 'Connection', column: 'credentialsEnc', field: 'credentials' },
  { table: 'PendingAuthorization', column: 'codeVerifierEnc', field: 'codeVerifier' },
  { table: 'WebhookEndpoint', column: 'secretEnc', field: 'secret' },
  { table: 'WebhookEndpoint', column: 'previousSecretEnc', field: 'previousSecret' },
];

export async function reencryptAll(prisma: PrismaClient, keyring: Keyring): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { table, column, field } of SEALED_COLUMNS) {
    const delegate = delegateFor(prisma, table);
    const rows = await delegate.findMany({ select: { id: true, [column]: true } });
    let changed = 0;
    for (const row of rows) {
      const sealed = row[column];
      if (typeof sealed !== 'string' || !keyring.isStale(sealed)) continue;
      const context = { table, rowId: row.id, field };
      const resealed = keyring.encrypt(keyring.decrypt(sealed, context), context);
      // Compare-and-set: a concurrent writer's newer value is left alone.
      const { count } = await delegate.updateMany({ where: { id: row.id, [column]: sealed }, data: { [column]: resealed } });
      changed += count;
    }
    counts[table] = (counts[table] ?? 0) + changed;
  }
  return counts;
}

type Row = Record<string, unknown> & { id: string };
interface SealedDelegate {
  findMany(args: { select: Record<string, boolean> }): Promise<Row[]>;
  updateMany(args: { where: Record<string, unknown>; data: Record<string, unknown> }): Promise<{ count: number }>;
}

function delegateFor(prisma: PrismaClient, table: SealedColumn['table']): SealedDelegate {
  const delegates = {
    Integration: prisma.integration,
    Connection: prisma.connection,
    PendingAuthorization: prisma.pendingAuthorization,
    WebhookEndpoint: prisma.webhookEndpoint,
  };
  return delegates[table] as unknown as SealedDelegate;
}

/** Rows sampled per sealed column at start, from each end of the (time-ordered) ids. */
const KEY_CHECK_SAMPLE = 500;

export interface KeyringCheck {
  /** Key ids that stored secrets name and ENCRYPTION_KEYS lacks. */
  missingKids: string[];
  /** Key ids present in ENCRYPTION_KEYS whose key does not open the secrets sealed under that id. */
  wrongKids: string[];
}

/**
 * Whether the keyring opens the stored secrets: the key ids they name, and one secret per key id
 * actually decrypted (the same id with other key material fails too). Reads a bounded sample, by
 * primary key from both ends of the time-ordered ids (the oldest rows hold the oldest keys), so the
 * cost at start does not grow with the number of connections.
 */
export async function checkKeyring(db: Pick<Database, 'queryRows'>, keyring: Keyring): Promise<KeyringCheck> {
  const missing = new Set<string>();
  const wrong = new Set<string>();
  const opened = new Set<string>();
  // One statement for every column and both ends, straight to the driver: this runs before the server
  // is ready, which then need not wait for Prisma's query compiler. Table and column names are the
  // constants above, never input.
  const samples = SEALED_COLUMNS.flatMap(({ table, column }, index) =>
    (['ASC', 'DESC'] as const).map(
      (order) =>
        `(SELECT ${index} AS "columnIndex", "id", "${column}" AS "sealed" FROM "${table}" WHERE "${column}" IS NOT NULL ORDER BY "id" ${order} LIMIT ${KEY_CHECK_SAMPLE})`,
    ),
  );
  const rows = await db.queryRows<{ columnIndex: number; id: string; sealed: string }>(samples.join(' UNION ALL '));
  for (const row of rows) {
    const { table, field } = SEALED_COLUMNS[Number(row.columnIndex)]!;
    const sealed = row.sealed;
    let kid: string;
    try {
      kid = (JSON.parse(sealed) as { kid?: unknown }).kid as string;
    } catch {
      continue;
    }
    if (typeof kid !== 'string' || opened.has(kid) || missing.has(kid) || wrong.has(kid)) continue;
    if (!keyring.hasKey(kid)) {
      missing.add(kid);
      continue;
    }
    try {
      keyring.decrypt(sealed, { table, rowId: row.id, field });
      opened.add(kid);
    } catch {
      wrong.add(kid);
    }
  }
  return { missingKids: [...missing].sort(), wrongKids: [...wrong].sort() };
}
