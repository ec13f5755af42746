// createConnection: import credentials obtained elsewhere (an access/refresh token, an API key,
// basic credentials). A refresh-token-only import is checked by refreshing once before anything is
// stored, so a bad token never becomes a connection.
import * as oidc from 'openid-client';
import { z } from 'zod';
import type { Viewer } from '../auth/viewer.js';
import { saveAuthorizedConnection, type Connection, type StoredCredentials } from '../domain/connections.js';
import { findIntegration, validationErrorFrom } from '../domain/integrations.js';
import { ForbiddenError, NotFoundError, ValidationError, type FieldError } from '../errors.js';
import { logger } from '../logger.js';
import { CONNECTION_NAME_PATTERN } from './connect.js';
import { describe, providerConfiguration, providerErrorFrom } from '../provider/provider-client.js';
import { apiBaseUrlFor, connectionFromTokens } from './connection-from-tokens.js';
import { INSTALLATION_ID_PATTERN } from '../tokens/grants/github-app.js';
import { createMachineConnection, isMachineOrOAuth1, MACHINE_ALLOWED_FIELDS, MACHINE_INPUT_FIELDS } from './machine-connection.js';
import { checkedConnectionConfig, connectionConfigFields, connectionConfigFor, connectionConfigOf } from '../provider/templates.js';
import { mayConnectIntegration } from '../domain/access.js';

const secret = z.string().min(1).max(16_384);
const inputSchema = z.object({
  integration: z.string().min(1),
  connectionName: z.string().regex(CONNECTION_NAME_PATTERN, 'connectionName is 1-64 of A-Z a-z 0-9 . _ - and starts with a letter or digit.').default('default'),
  accessToken: secret.optional(),
  refreshToken: secret.optional(),
  expiresAt: z.date().optional(),
  apiKey: secret.optional(),
  username: z.string().min(1).max(1000).optional(),
  password: z.string().max(16_384).optional(),
  privateKey: z.string().min(1).max(16_384).optional(),
  clientEmail: z.string().trim().min(1).max(320).optional(),
  subject: z.string().trim().min(1).max(320).optional(),
  installationId: z.string().trim().regex(INSTALLATION_ID_PATTERN, 'installationId is the number GitHub gives the installation.').optional(),
  tokenSecret: secret.optional(),
  metadata: z
    .record(z.string(), z.unknown())
    .refine((metadata) => JSON.stringify(metadata).length <= 16_384, 'metadata is limited to 16 KiB of JSON.')
    .optional(),
});

export type CreateConnectionData = z.output<typeof inputSchema>;

/** Omitted fields may come as null from GraphQL. */
export type CreateConnectionInput = { [K in keyof z.input<typeof inputSchema>]: z.input<typeof inputSchema>[K] | null };

export async function createConnection(viewer: Viewer, input: CreateConnectionInput): Promise<Connection> {
  const withoutNulls = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null && value !== undefined));
  const parsed = inputSchema.safeParse(withoutNulls);
  if (!parsed.success) throw validationErrorFrom(parsed.error, 'The connection is not valid.');
  const data = parsed.data;

  const integration = await findIntegration(data.integration);
  // An integration a connect session does not offer is as missing to it as an unknown one.
  if (!integration || !mayConnectIntegration(viewer, integration)) throw new NotFoundError(`No integration "${data.integration}".`);
  if (integration.isShared && !viewer.isAdmin) throw new ForbiddenError('Only an admin can connect a shared integration.');
  if (viewer.connectSession) {
    // A session's end user connects by signing in (OAuth) or by giving an API key or basic
    // credentials, under the session's connection name; tokens from elsewhere are the backend's business.
    if (integration.authType === 'OAUTH2') throw new ForbiddenError('A connect session connects OAuth integrations with startConnect.');
    // Machine credentials (client credentials, service account keys, app installations) are the backend's too.
    if (isMachineOrOAuth1(integration.authType)) throw new ForbiddenError(`A connect session does not connect ${integration.authType} integrations.`);
    data.connectionName = viewer.connectSession.connectionName;
    const extra = Object.keys(data.metadata ?? {}).filter((key) => key !== 'connectionConfig');
    if (extra.length) throw ValidationError.field('metadata', 'A connect session may only give metadata.connectionConfig.');
    const given = (data.metadata?.connectionConfig ?? null) as Record<string, unknown> | null;
    if (given !== null && (typeof given !== 'object' || Array.isArray(given))) throw ValidationError.field('metadata.connectionConfig', 'connectionConfig is an object.');
    // Checked like startConnect checks it: declared names, host-name-like values, required ones present.
    const checked = connectionConfigFor(integration, given);
    data.metadata = Object.keys(checked).length ? { connectionConfig: checked } : {};
  }

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
  if (isMachineOrOAuth1(integration.authType)) return createMachineConnection(viewer, integration, data);

  let credentials: StoredCredentials;
  let tokenExpiresAt: Date | null = null;
  let scopes = integration.scopes;
  // The connection config a templated provider needs (a shop, a tenant…) comes in metadata.connectionConfig,
  // judged as startConnect judges it: a user cannot choose where the integration's client secret goes.
  const givenConfig = connectionConfigOf({ metadata: data.metadata ?? {} });
  const declaresConfig = connectionConfigFields(integration).length > 0 || Object.keys(givenConfig).length > 0;
  const connectionConfig = declaresConfig ? checkedConnectionConfig(integration, givenConfig, { source: 'user', fieldPrefix: 'metadata.connectionConfig' }) : {};
  let metadata: Record<string, unknown> = data.metadata ?? {};
  if (declaresConfig) metadata = { ...metadata, connectionConfig };
  let apiBaseUrl = apiBaseUrlFor(integration, connectionConfig, metadata);
  if (integration.authType === 'OAUTH2') {
    credentials = { type: 'OAUTH2', accessToken: data.accessToken, refreshToken: data.refreshToken, tokenType: 'bearer' };
    tokenExpiresAt = data.expiresAt ?? null;
    if (tokenExpiresAt) credentials.expiresAt = tokenExpiresAt.toISOString();
    if (!data.accessToken) {
      // Only a refresh token: prove it works (and get an access token) before storing anything.
      let tokens;
      try {
        tokens = await oidc.refreshTokenGrant(await providerConfiguration(integration, connectionConfig), data.refreshToken!);
      } catch (error) {
        if (error instanceof ValidationError) throw error;
        logger.info({ integration: integration.slug, reason: describe(error) }, 'imported refresh token refused');
        throw providerErrorFrom(error, 'accept the refresh token');
      }
      const result = await connectionFromTokens(integration, tokens, { connectionConfig, previous: credentials });
      ({ credentials, tokenExpiresAt, scopes, apiBaseUrl } = result);
      metadata = { ...result.metadata, ...metadata };
    }
  } else if (integration.authType === 'API_KEY') {
    credentials = { type: 'API_KEY', apiKey: data.apiKey };
  } else {
    credentials = { type: 'BASIC', username: data.username, password: data.password ?? '' };
  }

  return saveAuthorizedConnection({
    integration,
    ownerId: integration.isShared ? null : viewer.userId,
    name: data.connectionName,
    credentials,
    scopes,
    tokenExpiresAt,
    apiBaseUrl,
    metadata,
  });
}
