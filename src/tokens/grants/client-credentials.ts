// OAuth 2.0 client credentials (RFC 6749 §4.4): the integration's own client id and secret buy a
// token; there is no user and no refresh token, so "refreshing" is asking again.
import * as oidc from 'openid-client';
import type { StoredCredentials } from '../../domain/connections.js';
import { integrationSettings, type Integration } from '../../domain/integrations.js';
import { providerConfiguration, providerErrorFrom } from '../../provider/provider-client.js';
import type { ConnectionConfig } from '../../provider/templates.js';
import { CredentialRefusedError, credentialsFromTokenAnswer, isRefusalCode, tokenParamsFor } from './token-request.js';

export async function clientCredentialsGrant(integration: Integration, previous: StoredCredentials, connectionConfig: ConnectionConfig): Promise<StoredCredentials> {
  const settings = integrationSettings(integration);
  const parameters = tokenParamsFor(settings, connectionConfig);
  if (integration.scopes.length) parameters.scope = integration.scopes.join(settings.scopeSeparator ?? ' ');
  let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
  try {
    const configuration = await providerConfiguration(integration, connectionConfig);
    tokens = settings.grantType
      ? await oidc.genericGrantRequest(configuration, settings.grantType, parameters)
      : await oidc.clientCredentialsGrant(configuration, parameters);
  } catch (error) {
    const providerError = providerErrorFrom(error, 'issue a client credentials token');
    if (error instanceof oidc.ResponseBodyError && isRefusalCode(error.error)) throw new CredentialRefusedError(providerError.message, providerError.details);
    throw providerError;
  }
  const { expires_in, ...rest } = tokens;
  const body: Record<string, unknown> = { ...rest, expires_in: tokens.expiresIn() ?? expires_in };
  return credentialsFromTokenAnswer({ ...previous, type: 'OAUTH2_CLIENT_CREDENTIALS' }, body);
}
