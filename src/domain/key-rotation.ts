// Re-encrypts every secret sealed with an older key, so that old keys can be retired.
import type { Keyring } from '../crypto/envelope.js';
import { prisma } from '../db/client.js';

interface SealedColumn {
  table: 'Integration' | 'Connection' | 'PendingAuthorization' | 'WebhookEndpoint';
  column: 'clientSecretEnc' | 'credentialsEnc' | 'codeVerifierEnc' | 'secretEnc' | 'previousSecretEnc';
  field: string;
}

const SEALED_COLUMNS: SealedColumn[] = [
  { table: 'Integration', column: 'clientSecretEnc', field: 'clientSecret' },
  { table: 'Connection', column: 'credentialsEnc', field: 'credentials' },
  { table: 'PendingAuthorization', column: 'codeVerifierEnc', field: 'codeVerifier' },
  { table: 'WebhookEndpoint', column: 'secretEnc', field: 'secret' },
  { table: 'WebhookEndpoint', column: 'previousSecretEnc', field: 'previousSecret' },
];

export async function reencryptAll(keyring: Keyring): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { table, column, field } of SEALED_COLUMNS) {
    const delegate = delegateFor(table);
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

function delegateFor(table: SealedColumn['table']): SealedDelegate {
  const delegates = {
    Integration: prisma.integration,
    Connection: prisma.connection,
    PendingAuthorization: prisma.pendingAuthorization,
    WebhookEndpoint: prisma.webhookEndpoint,
  };
  return delegates[table] as unknown as SealedDelegate;
}
