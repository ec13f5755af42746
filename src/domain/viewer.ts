// Who is calling, as the rest of the code sees it once authentication (src/auth/) is done.
import type { HeaderSource } from '../kernel/headers.js';
import type { ApiKeyScope } from './scopes.js';

export type { HeaderSource };

/** What a connect-session token grants, as loaded for a request. */
export interface ConnectSessionGrant {
  id: string;
  endUserId: string;
  /** Offered integration ids; null means every integration. */
  integrationIds: string[] | null;
  connectionName: string;
  redirectTo: string | null;
  expiresAt: Date;
  /** CONNECT: the token can only connect. AGENT: it also calls the offered integrations through /mcp. */
  purpose: 'CONNECT' | 'AGENT';
  /** Kept after its first successful connect (otherwise that connect ends it). */
  reusable: boolean;
  /** Copied to every connection the session makes. */
  tags: Record<string, string>;
}

export interface Viewer {
  userId: string;
  isAdmin: boolean;
  via: 'jwt' | 'api-key' | 'dev' | 'connect-session';
  /** Set only for a connect-session token: the viewer is its end user, limited to connecting. */
  connectSession?: ConnectSessionGrant;
  /** Set only for a key from the database: what it may do (ADMIN: everything). Unset: no key limits. */
  scopes?: readonly ApiKeyScope[];
  /** The database key the request came with (its name is the actor in the audit trail). */
  apiKey?: { id: string; name: string };
  /** When the credentials stop being valid (a JWT's exp, in ms): long-lived connections end then. */
  expiresAt?: number;
}

export const USER_ID_PATTERN = /^[\w.@:|+-]{1,200}$/;

/** Who the request's credentials say is calling; throws AuthenticationError (src/kernel/errors.ts). */
export type Authenticate = (headers: HeaderSource) => Promise<Viewer>;
