// Machine grants: credentials that need no user to renew them. "Refreshing" such a connection means
// minting a new token with the grant its integration uses; each is a TokenGrant registered with the
// token lifecycle's seam (../grants.ts), so leases, exactly-once, cooldown and the breaker apply.
import type { ConnectionWithIntegration, StoredCredentials } from '../../domain/connections.js';
import { tokenRequestTimeoutMs } from '../../provider/provider-client.js';
import { connectionConfigOf } from '../../provider/templates.js';
import type { GrantedTokens, TokenGrant } from '../grants.js';
import { clientCredentialsGrant } from './client-credentials.js';
import { githubInstallationGrant } from './github-app.js';
import { jwtBearerGrant } from './jwt-bearer.js';

/** New credentials for a machine-grant connection (also used when the connection is created). */
export function mintMachineTokens(
  connection: Pick<ConnectionWithIntegration, 'integration' | 'metadata' | 'apiBaseUrl'>,
  credentials: StoredCredentials,
): Promise<StoredCredentials> {
  const connectionConfig = connectionConfigOf(connection);
  switch (credentials.type) {
    case 'OAUTH2_CLIENT_CREDENTIALS':
      return clientCredentialsGrant(connection.integration, credentials, connectionConfig);
    case 'JWT_BEARER':
      return jwtBearerGrant(connection.integration, credentials, connectionConfig);
    case 'GITHUB_APP':
      return githubInstallationGrant(connection.integration, credentials, connection.apiBaseUrl);
    default:
      return Promise.reject(new Error(`${credentials.type} is not a machine grant.`));
  }
}

function machineGrant(canRequest: TokenGrant['canRequest']): TokenGrant {
  return {
    canRequest: (connection, credentials) => credentials.type === connection.integration.authType && canRequest(connection, credentials),
    async request(connection, credentials): Promise<GrantedTokens> {
      const minted = await mintMachineTokens(connection, credentials);
      return { credentials: minted, scopes: minted.scope ? minted.scope.split(/[\s,]+/).filter(Boolean) : undefined };
    },
    timeoutMs: (connection) => tokenRequestTimeoutMs(connection.integration),
  };
}

/** The machine grants by auth type, for the seam's registry. */
export const MACHINE_GRANTS: Array<[string, TokenGrant]> = [
  ['OAUTH2_CLIENT_CREDENTIALS', machineGrant(() => true)],
  ['JWT_BEARER', machineGrant((connection, credentials) => Boolean(credentials.privateKey || connection.integration.privateKeyEnc))],
  ['GITHUB_APP', machineGrant((_connection, credentials) => Boolean(credentials.installationId))],
];
