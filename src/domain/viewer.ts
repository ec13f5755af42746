// Who is calling, as the rest of the code sees it once authentication (src/auth/) is done.
import type { HeaderSource } from '../kernel/headers.js';

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
  /** Kept after its first successful connect (otherwise that connect ends it). */
  reusable: boolean;
}

export interface Viewer {
  userId: string;
  isAdmin: boolean;
  via: 'jwt' | 'api-key' | 'dev' | 'connect-session';
  /** Set only for a connect-session token: the viewer is its end user, limited to connecting. */
  connectSession?: ConnectSessionGrant;
  /** When the credentials stop being valid (a JWT's exp, in ms): long-lived connections end then. */
  expiresAt?: number;
}

export const USER_ID_PATTERN = /^[\w.@:|+-]{1,200}$/;

/** Who the request's credentials say is calling; throws AuthenticationError (src/kernel/errors.ts). */
export type Authenticate = (headers: HeaderSource) => Promise<Viewer>;
