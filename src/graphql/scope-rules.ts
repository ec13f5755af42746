// The scope-auth rules: one per API key scope (does the viewer's key carry it: src/domain/scopes.ts),
// plus `admin` (the viewer acts for the deployment, not one user) and `authenticated` (anyone who got
// this far). Which field needs which rule is written where the field is defined; root fields take
// theirs from ROOT_FIELD_RULES (src/graphql/root-field-rules.ts), so that a test can check them all.
import { API_KEY_SCOPES, keyAllows, type ApiKeyScope } from '../domain/scopes.js';
import type { Viewer } from '../domain/viewer.js';
import { memoize } from '../kernel/memo.js';

export type AuthScopes = Record<ApiKeyScope, boolean> & { admin: boolean; authenticated: boolean };

/** The rules of a viewer depend only on its key's scopes and whether it is an admin: built once for each pair. */
export function authScopesOf(viewer: Viewer): AuthScopes {
  return authScopesFor(`${viewer.isAdmin ? 'admin' : 'user'}:${viewer.scopes ? viewer.scopes.join(',') : '*'}`);
}

const authScopesFor = memoize((key: string): AuthScopes => {
  const [role, list] = key.split(':') as [string, string];
  const viewer = { isAdmin: role === 'admin', scopes: list === '*' ? undefined : (list.split(',').filter(Boolean) as ApiKeyScope[]) };
  const scopes = Object.fromEntries(API_KEY_SCOPES.map((scope) => [scope, keyAllows(viewer, scope)])) as Record<ApiKeyScope, boolean>;
  return Object.freeze({ ...scopes, admin: viewer.isAdmin, authenticated: true });
}, 256);

interface Failure {
  kind: string;
  scope?: string;
  failures?: Failure[];
}

/** The ForbiddenError message of a refusal: the scopes that were missing, by name. */
export function refusalMessage(failure: Failure): string {
  const missing = new Set<string>();
  const visit = (node: Failure) => {
    if (node.scope) missing.add(node.scope);
    node.failures?.forEach(visit);
  };
  visit(failure);
  const scopes = [...missing].filter((scope) => (API_KEY_SCOPES as readonly string[]).includes(scope));
  if (scopes.length === 1) return `This needs the ${scopes[0]} scope.`;
  if (scopes.length > 1) return `This needs one of the scopes ${scopes.join(', ')}.`;
  if (missing.has('admin')) return 'Only admins (or API keys acting for no user) may do this.';
  return 'Not allowed.';
}
