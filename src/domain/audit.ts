// The audit trail: who changed what, written in the same transaction as the change (a change that
// rolls back leaves no row, and no change commits without one). Secrets never enter a row: a changed
// secret is recorded as "changed".
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Transaction } from '../db/database.js';
import type { Viewer } from './viewer.js';
import type { Prisma } from '../generated/prisma/client.js';
import { newId } from '../kernel/ids.js';

export type AuditActorKind = 'USER' | 'API_KEY' | 'CONNECT_SESSION' | 'SYSTEM';

export interface AuditActor {
  actor: string;
  actorKind: AuditActorKind;
  ipAddress?: string | null;
}

export const SYSTEM_ACTOR: AuditActor = Object.freeze({ actor: 'switchboard', actorKind: 'SYSTEM' });

/** What a secret's value is recorded as. */
export const SECRET_CHANGED = 'changed';

/** The actor of a request: a key by its name (unless it acts for a user), a user, or a session's end user. */
export function auditActorOf(viewer: Viewer, ipAddress?: string | null): AuditActor {
  if (viewer.via === 'connect-session') return { actor: viewer.userId, actorKind: 'CONNECT_SESSION', ipAddress };
  if (viewer.via === 'api-key' && viewer.isAdmin) return { actor: viewer.apiKey?.name ?? 'API_KEYS', actorKind: 'API_KEY', ipAddress };
  return { actor: viewer.userId, actorKind: 'USER', ipAddress };
}

export type FieldChanges = Record<string, { old?: unknown; new?: unknown }>;

export interface AuditEntry {
  action: string;
  /** The type and database id of what it was done to; stored as its global id. */
  target?: [typeName: string, id: string];
  changes?: FieldChanges;
}

export async function recordAudit(tx: Transaction, actor: AuditActor, entry: AuditEntry): Promise<void> {
  await tx.auditEvent.create({
    data: {
      id: newId(),
      actor: actor.actor,
      actorKind: actor.actorKind,
      action: entry.action,
      targetId: entry.target ? encodeGlobalID(entry.target[0], entry.target[1]) : null,
      changes: entry.changes ? (JSON.parse(JSON.stringify(entry.changes)) as Prisma.InputJsonValue) : undefined,
      ipAddress: actor.ipAddress ?? null,
    },
  });
}

/**
 * The fields that differ between `before` and `after`, with old and new values; fields named in
 * `secrets` appear as "changed" only (never their values, old or new).
 */
export function diffFields(before: Record<string, unknown>, after: Record<string, unknown>, secrets: readonly string[] = []): FieldChanges {
  const changes: FieldChanges = {};
  for (const field of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const old = before[field] ?? null;
    const next = after[field] ?? null;
    if (JSON.stringify(old) === JSON.stringify(next)) continue;
    changes[field] = secrets.includes(field) ? { old: SECRET_CHANGED, new: SECRET_CHANGED } : { old, new: next };
  }
  return changes;
}
