// Who may see and do what. Every read and write of connections goes through these rules, so that
// another user's id gives the same answer as a missing one.
import type { Viewer } from './viewer.js';
import type { Prisma } from '../generated/prisma/client.js';

/** Shared connections are stored with this owner key (see Connection.ownerKey). */
export const SHARED_OWNER_KEY = '';

/** Connections a viewer can see: their own and shared ones; an admin sees all. */
export function visibleConnectionsWhere(viewer: Viewer): Prisma.ConnectionWhereInput {
  if (viewer.isAdmin) return {};
  const owned: Prisma.ConnectionWhereInput = { ownerKey: { in: [viewer.userId, SHARED_OWNER_KEY] } };
  // A connect-session token sees its end user's connections to the offered integrations only.
  const offered = viewer.connectSession?.integrationIds;
  return offered ? { ...owned, integrationId: { in: offered } } : owned;
}

/** visibleConnectionsWhere's rule for a row already in memory (one read shared by many viewers). */
export function mayViewConnection(viewer: Viewer, connection: { ownerKey: string; integrationId: string }): boolean {
  if (viewer.isAdmin) return true;
  if (connection.ownerKey !== viewer.userId && connection.ownerKey !== SHARED_OWNER_KEY) return false;
  const offered = viewer.connectSession?.integrationIds;
  return !offered || offered.includes(connection.integrationId);
}

/** Integrations a viewer can see: all of them, except that a connect session sees only those it offers. */
export function visibleIntegrationsWhere(viewer: Viewer): Prisma.IntegrationWhereInput {
  const offered = viewer.connectSession?.integrationIds;
  return offered ? { id: { in: offered } } : {};
}

/** May the viewer connect this integration? A connect session only the integrations it offers. */
export function mayConnectIntegration(viewer: Viewer, integration: { id: string }): boolean {
  const offered = viewer.connectSession?.integrationIds;
  return !offered || offered.includes(integration.id);
}

/** May the viewer change or remove this connection? Shared ones are the admins'. */
export function canManageConnection(viewer: Viewer, connection: { ownerId: string | null }): boolean {
  if (viewer.isAdmin) return true;
  return connection.ownerId !== null && connection.ownerId === viewer.userId;
}

/** May the viewer read this connection's secrets? Admins always; owners where the integration allows. */
export function canReadCredentials(viewer: Viewer, connection: { ownerId: string | null }, integration: { ownerCanReadCredentials: boolean }): boolean {
  if (viewer.isAdmin) return true;
  return integration.ownerCanReadCredentials && connection.ownerId !== null && connection.ownerId === viewer.userId;
}
