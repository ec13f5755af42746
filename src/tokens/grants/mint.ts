// Machine grants: credentials that need no user to renew them. "Refreshing" such a connection means
// minting a new token with the grant its integration uses.
import type { ConnectionWithIntegration, StoredCredentials } from '../../domain/connections.js';
import { connectionConfigOf } from '../../provider/templates.js';
import { clientCredentialsGrant } from './client-credentials.js';
import { githubInstallationGrant } from './github-app.js';
import { jwtBearerGrant } from './jwt-bearer.js';

/** New credentials for a machine-grant connection (the previous ones minus their token). */
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
      throw new Error(`${credentials.type} is not a machine grant.`);
  }
}
