// What an API key may do: its scopes. Viewers without a key (a JWT, dev mode, a key of the
// configuration) are not limited by scopes, only by who they are (admin or user). The GraphQL schema
// turns each scope into one scope-auth rule (src/graphql/builder.ts); the path proxy checks PROXY.
import type { Viewer } from './viewer.js';

export const API_KEY_SCOPES = [
  'ADMIN',
  'INTEGRATIONS_WRITE',
  'CONNECTIONS_READ',
  'CONNECTIONS_WRITE',
  'CREDENTIALS_READ',
  'PROXY',
  'OPERATIONS_READ',
  'WEBHOOKS_WRITE',
  'AUDIT_READ',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Scopes that act on the whole deployment: they also need an admin viewer (a key without X-User-Id, or an admin user). */
const DEPLOYMENT_SCOPES: ReadonlySet<ApiKeyScope> = new Set(['ADMIN', 'INTEGRATIONS_WRITE', 'WEBHOOKS_WRITE', 'AUDIT_READ']);

/** Whether the viewer's key (if any) carries `scope`: ADMIN carries every scope. */
export function keyAllows(viewer: Pick<Viewer, 'scopes'>, scope: ApiKeyScope): boolean {
  return !viewer.scopes || viewer.scopes.includes('ADMIN') || viewer.scopes.includes(scope);
}

/** Whether the viewer may use what `scope` guards: the key carries it, and deployment-wide scopes need an admin. */
export function viewerHasScope(viewer: Viewer, scope: ApiKeyScope): boolean {
  if (DEPLOYMENT_SCOPES.has(scope) && !viewer.isAdmin) return false;
  return keyAllows(viewer, scope);
}

/** The message of a refusal for a missing scope (ForbiddenError). */
export function missingScopeMessage(scope: ApiKeyScope): string {
  return DEPLOYMENT_SCOPES.has(scope) ? `This needs the ${scope} scope (and an admin, or a key acting for no user).` : `This needs the ${scope} scope.`;
}
