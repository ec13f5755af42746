// createConnection for the auth modes that need no browser round trip: client credentials (the
// integration's own credentials), JWT bearer (a service account's key), a GitHub App installation,
// and imported OAuth 1.0a tokens. A token is obtained before anything is stored, so credentials the
// provider refuses never become a connection.
import { parsePrivateKey } from '../crypto/private-key.js';
import { parseSelfSignedKey } from '../tokens/grants/self-signed-jwt.js';
import { typedInputsOf } from '../tokens/grants/two-step.js';
import type { Connection, StoredCredentials } from '../domain/connections.js';
import { checkImport, recordImportCheck } from './import-check.js';
import { connectFailed } from '../domain/events.js';
import { integrationSettings, type Integration } from '../domain/integrations.js';
import type { Viewer } from '../domain/viewer.js';
import { ForbiddenError, ProviderError, SwitchboardError, UpstreamUnavailableError, ValidationError, type FieldError } from '../kernel/errors.js';
import { providerErrorFrom } from '../provider/provider-client.js';
import { connectionConfigFor, connectionConfigOf, valueAt } from '../provider/templates.js';
import { apiBaseUrlFor } from './from-tokens.js';
import type { CreateConnectionData, ImportDeps } from './import-input.js';

export const MACHINE_INPUT_FIELDS = ['privateKey', 'clientEmail', 'subject', 'installationId', 'tokenSecret', 'keyId'] as const;

/** Which createConnection fields each of these auth types takes. */
export const MACHINE_ALLOWED_FIELDS = {
  OAUTH2_CLIENT_CREDENTIALS: [],
  JWT_BEARER: ['privateKey', 'clientEmail', 'subject'],
  GITHUB_APP: ['installationId'],
  OAUTH1: ['accessToken', 'tokenSecret'],
  SELF_SIGNED_JWT: ['privateKey', 'keyId'],
  TWO_STEP: ['username', 'password', 'apiKey'],
} as const satisfies Record<string, readonly string[]>;

export function isMachineOrOAuth1(authType: Integration['authType']): authType is keyof typeof MACHINE_ALLOWED_FIELDS {
  return authType in MACHINE_ALLOWED_FIELDS;
}

export async function createMachineConnection(
  deps: ImportDeps,
  viewer: Viewer,
  integration: Integration,
  data: CreateConnectionData,
  tags: Record<string, string> | undefined,
): Promise<Connection> {
  const problems: FieldError[] = [];
  const metadata: Record<string, unknown> = { ...(data.metadata ?? {}) };
  let credentials: StoredCredentials;
  switch (integration.authType) {
    case 'OAUTH2_CLIENT_CREDENTIALS':
      credentials = { type: 'OAUTH2_CLIENT_CREDENTIALS' };
      break;
    case 'JWT_BEARER': {
      let key: ReturnType<typeof parsePrivateKey> | undefined;
      if (data.privateKey) {
        try {
          key = parsePrivateKey(data.privateKey);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          problems.push(...error.fieldErrors);
        }
      } else if (!integration.privateKeyEnc) {
        problems.push({ field: 'privateKey', message: 'A JWT bearer connection needs privateKey (PEM, or the service account JSON key file).' });
      }
      const clientEmail = data.clientEmail ?? key?.clientEmail;
      const issuerIsClientId = (integration.settings as { jwtBearer?: { issuer?: string } }).jwtBearer?.issuer === 'clientId';
      if (!clientEmail && !issuerIsClientId && !integration.clientId) {
        problems.push({ field: 'clientEmail', message: 'Give clientEmail: the identity the assertion is issued by (in a JSON key file it is client_email).' });
      }
      credentials = { type: 'JWT_BEARER', privateKey: key?.pem, clientEmail, subject: data.subject, keyId: key?.keyId };
      // Who the connection acts as is not secret, and lets users tell connections apart.
      Object.assign(metadata, clientEmail ? { clientEmail } : {}, data.subject ? { subject: data.subject } : {});
      break;
    }
    case 'GITHUB_APP':
      // An installation id names any account's installation of the app: only admins may assert one.
      if (!viewer.isAdmin)
        throw new ForbiddenError("Only an admin can connect a GitHub App installation by id; users connect through startConnect's install page.");
      if (!data.installationId) problems.push({ field: 'installationId', message: 'A GitHub App connection needs installationId.' });
      credentials = { type: 'GITHUB_APP', installationId: data.installationId };
      metadata.installationId = data.installationId;
      break;
    case 'SELF_SIGNED_JWT': {
      const jwt = integrationSettings(integration).selfSignedJwt;
      if (!jwt) throw ValidationError.field('integration', `The integration "${integration.slug}" does not say how to sign its tokens (selfSignedJwt).`);
      let key: ReturnType<typeof parseSelfSignedKey> | undefined;
      if (data.privateKey) {
        try {
          key = parseSelfSignedKey(jwt, data.privateKey);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          problems.push(...error.fieldErrors);
        }
      } else if (!integration.privateKeyEnc) {
        problems.push({
          field: 'privateKey',
          message: `This connection needs privateKey (${jwt.key === 'hex' ? 'the secret, in hex' : 'the PEM key, e.g. the downloaded .p8 file'}).`,
        });
      }
      const keyId = data.keyId ?? key?.keyId;
      if (!keyId && (key || !data.privateKey) && Object.values({ ...jwt.header, ...jwt.claims }).some((value) => value.includes('${keyId}'))) {
        problems.push({ field: 'keyId', message: "This provider needs the key's id (keyId) given with the key." });
      }
      credentials = { type: 'SELF_SIGNED_JWT', privateKey: key?.secret, keyId };
      if (keyId) metadata.keyId = keyId;
      break;
    }
    case 'TWO_STEP': {
      const request = integrationSettings(integration).tokenRequest;
      if (!request) throw ValidationError.field('integration', `The integration "${integration.slug}" does not say how to request its tokens (tokenRequest).`);
      for (const name of typedInputsOf(request)) {
        if (!data[name]) problems.push({ field: name, message: `${integration.name} needs ${name}.` });
      }
      // Only what the request uses is kept (sealed): nothing else the caller sent.
      const typed = Object.fromEntries(typedInputsOf(request).map((name) => [name, data[name]]));
      credentials = { type: 'TWO_STEP', ...typed };
      break;
    }
    case 'OAUTH1':
      if (!data.accessToken || data.tokenSecret === undefined) {
        problems.push({
          field: data.accessToken ? 'tokenSecret' : 'accessToken',
          message: 'An OAuth 1.0a connection needs accessToken and tokenSecret (or use startConnect).',
        });
      }
      credentials = { type: 'OAUTH1', accessToken: data.accessToken, tokenSecret: data.tokenSecret };
      break;
    default:
      throw new Error(`${integration.authType} is not handled here.`);
  }
  // Values a templated provider needs (a tenant, an account id) come in metadata.connectionConfig.
  try {
    const connectionConfig = connectionConfigFor(integration, connectionConfigOf({ metadata }), deps.urls);
    if (Object.keys(connectionConfig).length) metadata.connectionConfig = connectionConfig;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problems.push(...error.fieldErrors.map((problem) => ({ ...problem, field: `metadata.${problem.field}` })));
  }
  if (problems.length) throw new ValidationError('The connection is not valid.', problems);

  const connectionConfig = connectionConfigOf({ metadata });
  // For minted tokens, known once the provider answered (it may say where the API is).
  let apiBaseUrl = integration.authType === 'OAUTH1' ? apiBaseUrlFor(deps, integration, connectionConfig, metadata) : null;
  let tokenExpiresAt: Date | null = null;
  let scopes = integration.scopes;
  const ownerId = integration.isShared ? null : viewer.userId;
  const started = performance.now();
  if (integration.authType !== 'OAUTH1') {
    try {
      credentials = await deps.grants.mint({ integration, metadata: metadata as Connection['metadata'], apiBaseUrl }, credentials);
    } catch (error) {
      deps.logger.info(
        { integration: integration.slug, authType: integration.authType, reason: (error as Error).message },
        'machine grant refused at connection',
      );
      // createConnection answers ProviderError for anything the provider side did (unreachable included).
      const refused =
        error instanceof UpstreamUnavailableError
          ? new ProviderError(error.message, { providerError: 'unreachable' })
          : error instanceof SwitchboardError
            ? error
            : providerErrorFrom(error, 'issue a token');
      connectFailed(deps.events, {
        integrationSlug: integration.slug,
        ownerId: ownerId ?? viewer.userId,
        providerStatus: refused instanceof ProviderError ? refused.details.providerStatus : undefined,
        durationMs: performance.now() - started,
        // The provider's error code (invalid_client…) is what an operator looks for; it is not a secret.
        error: refused instanceof ProviderError && refused.details.providerError ? `${refused.message} (${refused.details.providerError})` : refused.message,
      });
      throw refused;
    }
    tokenExpiresAt = credentials.expiresAt ? new Date(credentials.expiresAt) : null;
    // Where the provider says the API is (Salesforce's instance_url), as for the authorization code flow.
    for (const [name, path] of Object.entries(integrationSettings(integration).metadataFromTokenResponse ?? {})) {
      const value = valueAt(credentials.raw, path);
      if (value !== undefined) metadata[name] = value;
    }
    apiBaseUrl = apiBaseUrlFor(deps, integration, connectionConfig, metadata);
    if (credentials.scope) scopes = credentials.scope.split(/[\s,]+/).filter(Boolean);
  }
  // A token signed here proves nothing until the provider has seen it: check it where the catalog says how.
  const checked =
    SIGNED_HERE.has(integration.authType) && !data.skipVerification
      ? await checkImport(deps, integration, credentials, { apiBaseUrl, connectionConfig, ownerId: ownerId ?? viewer.userId })
      : null;
  const connection = await deps.store.saveAuthorized(
    { integration, ownerId, name: data.connectionName, credentials, scopes, tokenExpiresAt, apiBaseUrl, metadata, tags, identity: checked?.identity ?? null },
    { userId: viewer.userId, startedAt: started },
  );
  return recordImportCheck(deps, connection, checked, integration.slug, ownerId ?? viewer.userId);
}

/** Auth types whose token the server makes without asking the provider (checked with `verify` before storing). */
const SIGNED_HERE = new Set<Integration['authType']>(['SELF_SIGNED_JWT']);
