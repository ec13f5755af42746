// Machine grants: credentials that need no user to renew them. "Refreshing" such a connection means
// minting a new token with the grant its integration uses; each is a TokenGrant of the token
// lifecycle's seam (./index.ts), so leases, exactly-once, cooldown and the breaker apply.
import type { ConnectionWithIntegration, StoredCredentials } from '../../domain/connections.js';
import { connectionConfigOf } from '../../provider/templates.js';
import { clientCredentialsGrant } from './client-credentials.js';
import { githubInstallationGrant } from './github-app.js';
import { jwtBearerGrant } from './jwt-bearer.js';
import { selfSignedJwtGrant } from './self-signed-jwt.js';
import { twoStepGrant } from './two-step.js';
import type { GrantContext } from './token-request.js';

/** New credentials for a machine-grant connection (also used when the connection is created). */
export function mintMachineTokens(
  context: GrantContext,
  connection: Pick<ConnectionWithIntegration, 'integration' | 'metadata' | 'apiBaseUrl'>,
  credentials: StoredCredentials,
): Promise<StoredCredentials> {
  const connectionConfig = connectionConfigOf(connection);
  switch (credentials.type) {
    case 'OAUTH2_CLIENT_CREDENTIALS':
      return clientCredentialsGrant(context, connection.integration, credentials, connectionConfig);
    case 'JWT_BEARER':
      return jwtBearerGrant(context, connection.integration, credentials, connectionConfig);
    case 'TWO_STEP':
      return twoStepGrant(context, connection.integration, credentials, connectionConfig);
    case 'SELF_SIGNED_JWT':
      return selfSignedJwtGrant(context, connection.integration, credentials, connectionConfig);
    case 'GITHUB_APP':
      return githubInstallationGrant(context, connection.integration, credentials, connection.apiBaseUrl);
    default:
      return Promise.reject(new Error(`${credentials.type} is not a machine grant.`));
  }
}
