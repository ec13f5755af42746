// OAuth 2.0 client credentials (RFC 6749 §4.4): the integration's own client id and secret buy a
// token; there is no user and no refresh token, so "refreshing" is asking again.
import * as oidc from 'openid-client';
import type { StoredCredentials } from '../../domain/connections.js';
import { integrationSettings, type Integration } from '../../domain/integrations.js';
import type { ConnectionConfig } from '../../provider/templates.js';
import { credentialsFromTokenAnswer, tokenParamsFor, type GrantContext } from './token-request.js';

export async function clientCredentialsGrant(
  context: GrantContext,
  integration: Integration,
  previous: StoredCredentials,
  connectionConfig: ConnectionConfig,
): Promise<StoredCredentials> {
  const settings = integrationSettings(integration);
  const parameters = tokenParamsFor(settings, connectionConfig);
  if (integration.scopes.length) parameters.scope = integration.scopes.join(settings.scopeSeparator ?? ' ');
  // openid-client's errors go through as they are: the token lifecycle classifies them (invalid_grant
  // rejected; invalid_client and the rest may pass once the integration is fixed).
  const configuration = await context.providerClient.configuration(integration, connectionConfig);
  const tokens = settings.grantType
    ? await oidc.genericGrantRequest(configuration, settings.grantType, parameters)
    : await oidc.clientCredentialsGrant(configuration, parameters);
  const { expires_in, ...rest } = tokens;
  const body: Record<string, unknown> = { ...rest, expires_in: tokens.expiresIn() ?? expires_in };
  return credentialsFromTokenAnswer({ ...previous, type: 'OAUTH2_CLIENT_CREDENTIALS' }, body);
}
