// Who may see and do what. Every read and write of connections goes through these rules, so that
// another user's id gives the same answer as a missing one.
import type { Viewer } from '../auth/viewer.js';
import type { Prisma } from '../generated/prisma/client.js';

/** Shared connections are stored with this owner key (see Connection.ownerKey). */
export const SHARED_OWNER_KEY = '';

/** Connections a viewer can see: their own and shared ones; an admin sees all. */
export function visibleConnectionsWhere(viewer: Viewer): Prisma.ConnectionWhereInput {
  if (viewer.isAdmin) return {};
  return { ownerKey: { in: [viewer.userId, SHARED_OWNER_KEY] } };
}

/** The owner key of the viewer's connections to an integration. */
export function ownerKeyFor(viewer: Viewer, integration: { isShared: boolean }): string {
  return integration.isShared ? SHARED_OWNER_KEY : viewer.userId;
}

/** May the viewer change or remove this connection? Shared ones are the admins'. */
export function canManageConnection(viewer: Viewer, connection: { ownerId: string | null }): boolean {
  if (viewer.isAdmin) return true;
  return connection.ownerId !== null && connection.ownerId === viewer.userId;
}

/** May the viewer read this connection's secrets? Admins always; owners where the integration allows. */
export function canReadCredentials(
  viewer: Viewer,
  connection: { ownerId: string | null },
  integration: { ownerCanReadCredentials: boolean },
): boolean {
  if (viewer.isAdmin) return true;
  return integration.ownerCanReadCredentials && connection.ownerId !== null && connection.ownerId === viewer.userId;
}
