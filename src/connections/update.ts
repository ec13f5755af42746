// updateConnection: the app's own settings of a connection (tags, metadata, display name), never
// its credentials. Written with its audit row in one transaction.
import type { Database } from '../db/database.js';
import { canManageConnection } from '../domain/access.js';
import { diffFields, recordAudit, type AuditActor } from '../domain/audit.js';
import type { ConnectionLookup } from '../domain/connection-lookup.js';
import { validTags } from '../domain/tags.js';
import type { Viewer } from '../domain/viewer.js';
import type { Prisma } from '../generated/prisma/client.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../kernel/errors.js';
import { routingKeysOf } from '../domain/webhook-routing.js';

export interface UpdateConnectionInput {
  connectionId: string;
  /** Replaces all tags; null or undefined leaves them. */
  tags?: Record<string, unknown> | null;
  /** Merged at the top level; a key set to null is removed. */
  metadata?: Record<string, unknown> | null;
  displayName?: string | null;
}

const MAX_DISPLAY_NAME = 200;
const MAX_METADATA_BYTES = 16 * 1024;

export async function updateConnection(
  deps: { db: Database; lookup: Pick<ConnectionLookup, 'find'> },
  viewer: Viewer,
  actor: AuditActor,
  input: UpdateConnectionInput,
) {
  const found = await deps.lookup.find(viewer, { connectionId: input.connectionId });
  if (!canManageConnection(viewer, found)) throw new ForbiddenError('Only an admin can change a shared connection.');
  const tags = input.tags === null || input.tags === undefined ? undefined : validTags(input.tags);
  if (input.displayName !== undefined && input.displayName !== null && input.displayName.length > MAX_DISPLAY_NAME) {
    throw ValidationError.field('displayName', `The display name is at most ${MAX_DISPLAY_NAME} characters.`);
  }
  return deps.db.transaction(async (tx) => {
    const before = await tx.connection.findUnique({ where: { id: found.id }, include: { integration: { select: { settings: true } } } });
    if (!before) throw new NotFoundError('No such connection.');
    const data: Prisma.ConnectionUpdateInput = {};
    if (tags) data.tags = tags;
    if (input.displayName !== undefined) {
      // The app's name wins over the provider's from now on; clearing it hands the name back to the provider.
      const cleared = input.displayName === null || input.displayName === '';
      data.displayName = cleared ? null : input.displayName;
      data.displayNameSource = cleared ? null : 'app';
    }
    if (input.metadata) {
      const merged: Record<string, unknown> = { ...(before.metadata as Record<string, unknown>) };
      for (const [key, value] of Object.entries(input.metadata)) {
        if (value === null) delete merged[key];
        else merged[key] = value;
      }
      if (JSON.stringify(merged).length > MAX_METADATA_BYTES)
        throw ValidationError.field('metadata', `Metadata is at most ${MAX_METADATA_BYTES} bytes of JSON.`);
      data.metadata = merged as Prisma.InputJsonValue;
      data.routingKeys = routingKeysOf(before.integration, merged);
    }
    const after = await tx.connection.update({ where: { id: before.id }, data });
    const pick = (row: Pick<typeof before, 'tags' | 'metadata' | 'displayName'>) => ({ tags: row.tags, metadata: row.metadata, displayName: row.displayName });
    await recordAudit(tx, actor, { action: 'connection.updated', target: ['Connection', after.id], changes: diffFields(pick(before), pick(after)) });
    return after;
  });
}
