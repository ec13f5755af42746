// createConnection: import credentials obtained elsewhere (an access/refresh token, an API key,
// basic credentials). A refresh-token-only import is checked by refreshing once before anything is
// stored, so a bad token never becomes a connection; where a credential check is known (catalog
// `verify`, or an OpenID Connect userinfo endpoint) the credentials are checked too, and refused if
// the provider rejects them. Admins may opt out with skipVerification.
import * as oidc from 'openid-client';
import { mayConnectIntegration } from '../domain/access.js';
import type { Connection, ConnectionIdentity, StoredCredentials } from '../domain/connections.js';
import { sessionTags, validTags } from '../domain/tags.js';
import { connectFailed } from '../domain/events.js';
import { integrationSettings, validationErrorFrom } from '../domain/integrations.js';
import type { Viewer } from '../domain/viewer.js';
import { ForbiddenError, NotFoundError, ValidationError, type FieldError } from '../kernel/errors.js';
import { describe, providerErrorFrom } from '../provider/provider-client.js';
import { checkedConnectionConfig, connectionConfigFields, connectionConfigFor, connectionConfigOf } from '../provider/templates.js';
import { apiBaseUrlFor, connectionFromTokens } from './from-tokens.js';
import { checkImport, recordImportCheck } from './import-check.js';
import { importInputSchema, type CreateConnectionInput, type ImportDeps } from './import-input.js';
import { createMachineConnection, isMachineOrOAuth1, MACHINE_ALLOWED_FIELDS, MACHINE_INPUT_FIELDS } from './machine.js';

export async function createConnection(deps: ImportDeps, viewer: Viewer, input: CreateConnectionInput): Promise<Connection> {
  const withoutNulls = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null && value !== undefined));
  const parsed = importInputSchema.safeParse(withoutNulls);
  if (!parsed.success) throw validationErrorFrom(parsed.error, 'The connection is not valid.');
  const data = parsed.data;

  const integration = await deps.integrations.find(data.integration);
  // An integration a connect session does not offer is as missing to it as an unknown one.
  if (!integration || !mayConnectIntegration(viewer, integration)) throw new NotFoundError(`No integration "${data.integration}".`);
  if (integration.isShared && !viewer.isAdmin) throw new ForbiddenError('Only an admin can connect a shared integration.');
  if (data.skipVerification && !viewer.isAdmin) throw new ForbiddenError('Only an admin can skip the verification of imported credentials.');
  if (viewer.connectSession) {
    // A session's end user connects by signing in (OAuth) or by giving an API key or basic
    // credentials, under the session's connection name; tokens from elsewhere are the backend's business.
    if (integration.authType === 'OAUTH2') throw new ForbiddenError('A connect session connects OAuth integrations with startConnect.');
    // Machine credentials (client credentials, service account keys, app installations) are the backend's too.
    // Two-step credentials are the end user's own (a sign-in they type), so a session may give them.
    if (isMachineOrOAuth1(integration.authType) && integration.authType !== 'TWO_STEP')
      throw new ForbiddenError(`A connect session does not connect ${integration.authType} integrations.`);
    data.connectionName = viewer.connectSession.connectionName;
    const extra = Object.keys(data.metadata ?? {}).filter((key) => key !== 'connectionConfig');
    if (extra.length) throw ValidationError.field('metadata', 'A connect session may only give metadata.connectionConfig.');
    const given = (data.metadata?.connectionConfig ?? null) as Record<string, unknown> | null;
    if (given !== null && (typeof given !== 'object' || Array.isArray(given)))
      throw ValidationError.field('metadata.connectionConfig', 'connectionConfig is an object.');
    // Checked like startConnect checks it: declared names, host-name-like values, required ones present.
    const checked = connectionConfigFor(integration, given, deps.urls);
    data.metadata = Object.keys(checked).length ? { connectionConfig: checked } : {};
    // Tags are the backend's, set on the session; the end user's browser cannot choose them.
    if (data.tags) throw ValidationError.field('tags', "A connect session's connections get the session's tags (createConnectSession's tags).");
  }
  const tags = viewer.connectSession ? sessionTags(viewer.connectSession.tags) : data.tags ? validTags(data.tags) : undefined;

  const given = (['accessToken', 'refreshToken', 'apiKey', 'username', 'password', ...MACHINE_INPUT_FIELDS] as const).filter((key) => data[key] !== undefined);
  const allowed: readonly string[] = {
    OAUTH2: ['accessToken', 'refreshToken'],
    API_KEY: ['apiKey'],
    BASIC: ['username', 'password'],
    ...MACHINE_ALLOWED_FIELDS,
  }[integration.authType];
  const problems: FieldError[] = given
    .filter((key) => !allowed.includes(key))
    .map((key) => ({ field: key, message: `${key} does not apply to a ${integration.authType} integration.` }));
  if (integration.authType === 'OAUTH2' && !data.accessToken && !data.refreshToken) {
    problems.push({ field: 'accessToken', message: 'Give an accessToken, a refreshToken, or both.' });
  }
  if (integration.authType === 'API_KEY' && !data.apiKey) problems.push({ field: 'apiKey', message: 'An API key integration needs apiKey.' });
  if (integration.authType === 'BASIC' && !data.username) problems.push({ field: 'username', message: 'A basic integration needs username (and password).' });
  if (data.expiresAt && !data.accessToken) problems.push({ field: 'expiresAt', message: 'expiresAt describes an accessToken.' });
  if (problems.length) throw new ValidationError('The connection is not valid.', problems);
  if (isMachineOrOAuth1(integration.authType)) return createMachineConnection(deps, viewer, integration, data, tags);

  let credentials: StoredCredentials;
  let identity: ConnectionIdentity | null = null;
  let tokenExpiresAt: Date | null = null;
  let scopes = integration.scopes;
  // The connection config a templated provider needs (a shop, a tenant…) comes in metadata.connectionConfig,
  // judged as startConnect judges it: a user cannot choose where the integration's client secret goes.
  const givenConfig = connectionConfigOf({ metadata: data.metadata ?? {} });
  const declaresConfig = connectionConfigFields(integration).length > 0 || Object.keys(givenConfig).length > 0;
  const connectionConfig = declaresConfig
    ? checkedConnectionConfig(integration, givenConfig, deps.urls, { source: 'user', fieldPrefix: 'metadata.connectionConfig' })
    : {};
  let metadata: Record<string, unknown> = data.metadata ?? {};
  if (declaresConfig) metadata = { ...metadata, connectionConfig };
  let apiBaseUrl = apiBaseUrlFor(deps, integration, connectionConfig, metadata);
  if (integration.authType === 'OAUTH2') {
    credentials = { type: 'OAUTH2', accessToken: data.accessToken, refreshToken: data.refreshToken, tokenType: 'bearer' };
    tokenExpiresAt = data.expiresAt ?? null;
    if (tokenExpiresAt) credentials.expiresAt = tokenExpiresAt.toISOString();
    if (!data.accessToken) {
      // Only a refresh token: prove it works (and get an access token) before storing anything.
      let tokens;
      try {
        tokens = await oidc.refreshTokenGrant(await deps.checks.providerClient.configuration(integration, connectionConfig), data.refreshToken!);
      } catch (error) {
        if (error instanceof ValidationError) throw error;
        deps.logger.info({ integration: integration.slug, reason: describe(error) }, 'imported refresh token refused');
        const refused = providerErrorFrom(error, 'accept the refresh token');
        connectFailed(deps.events, {
          integrationSlug: integration.slug,
          ownerId: viewer.userId,
          providerStatus: refused.details.providerStatus,
          error: refused.message,
        });
        throw refused;
      }
      const result = await connectionFromTokens(deps, integration, tokens, { connectionConfig, previous: credentials });
      ({ credentials, tokenExpiresAt, scopes, apiBaseUrl, identity } = result);
      metadata = { ...result.metadata, ...metadata };
    }
  } else if (integration.authType === 'API_KEY') {
    credentials = { type: 'API_KEY', apiKey: data.apiKey };
  } else {
    credentials = { type: 'BASIC', username: data.username, password: data.password ?? '' };
    // What the provider's webhooks name the account by, when the username is it (Twilio's Account SID).
    const fromUsername = integrationSettings(integration).metadataFromUsername;
    if (fromUsername && new RegExp(fromUsername.pattern).test(data.username!) && metadata[fromUsername.key] === undefined) {
      metadata = { ...metadata, [fromUsername.key]: data.username };
    }
  }

  const ownerId = integration.isShared ? null : viewer.userId;
  // An access token imported already expired is not checked: the provider would refuse it for its age,
  // which says nothing of the grant (the first use refreshes it, or marks the connection ERROR).
  const importedExpired = tokenExpiresAt !== null && tokenExpiresAt.getTime() <= Date.now();
  const checked =
    data.skipVerification || importedExpired ? null : await checkImport(deps, integration, credentials, { apiBaseUrl, connectionConfig, ownerId });

  const connection = await deps.store.saveAuthorized(
    {
      integration,
      ownerId,
      name: data.connectionName,
      credentials,
      scopes,
      tokenExpiresAt,
      apiBaseUrl,
      metadata,
      tags,
      identity: identity ?? checked?.identity,
    },
    { userId: viewer.userId },
  );
  return recordImportCheck(deps, connection, checked, integration.slug, ownerId ?? viewer.userId);
}
