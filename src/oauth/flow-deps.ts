// What the browser flows (OAuth 2.0, OAuth 1.0a, GitHub App installs) need from the app.
import type { FromTokensDeps } from '../connections/from-tokens.js';
import type { Keyring } from '../crypto/envelope.js';
import type { Database } from '../db/database.js';
import type { ConnectionStore } from '../domain/connections.js';
import type { DomainEventBus } from '../domain/events.js';
import type { Integrations } from '../domain/integrations.js';
import type { CheckDeps } from '../health/check.js';
import type { ProviderClient } from '../provider/provider-client.js';
import type { TokenGrants } from '../tokens/grants/index.js';
import type { OAuthSettings } from './settings.js';

export interface FlowDeps extends FromTokensDeps {
  db: Database;
  keyring: Keyring;
  integrations: Pick<Integrations, 'find'>;
  store: ConnectionStore;
  providerClient: ProviderClient;
  grants: Pick<TokenGrants, 'mint'>;
  events: DomainEventBus;
  settings: OAuthSettings;
  /** PUBLIC_URL: the callbacks are built from it, never from request headers. */
  publicUrl: string;
  /** Credential checks: the connected account's identity is read from the verify or userinfo answer. */
  checks: CheckDeps;
}
