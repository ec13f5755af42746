// Integrations: a configured provider. Created and changed by admins (GraphQL or INTEGRATIONS_FILE).
import { diffFields, recordAudit, SYSTEM_ACTOR, type AuditActor } from './audit.js';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { z } from 'zod';
import type { Keyring } from '../crypto/envelope.js';
import { parsePrivateKey } from '../crypto/private-key.js';
import type { Database } from '../db/database.js';
import { providerTemplate, type ProviderTemplate } from '../catalog/index.js';
import { SANDBOX_PROVIDER, sandboxTemplate } from '../catalog/sandbox.js';
import { connectionValueProblem, providerWebhooksSchema, type ConnectionConfigField } from '../catalog/schema.js';
import { Prisma, type Integration } from '../generated/prisma/client.js';
import { NotFoundError, ValidationError, type FieldError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { isLocalHostname } from '../net/addresses.js';
import type { DomainEventBus } from './events.js';

export type { Integration };

/** Provider quirks kept in Integration.settings (from a catalog template, or set by hand). */
export interface IntegrationSettings {
  template?: string;
  pkce?: ProviderTemplate['pkce'];
  scopeSeparator?: string;
  tokenRequestFormat?: ProviderTemplate['tokenRequestFormat'];
  tokenResponse?: ProviderTemplate['tokenResponse'];
  refreshTokenUrl?: string;
  metadataFromTokenResponse?: Record<string, string>;
  metadataFromCallback?: string[];
  /** Host patterns a returned value must match in the API base URL (metadata name → patterns). */
  metadataHosts?: Record<string, string[]>;
  postConnect?: ProviderTemplate['postConnect'];
  metadataFromUsername?: ProviderTemplate['metadataFromUsername'];
  connectionConfig?: ProviderTemplate['connectionConfig'];
  /** Connection config values an admin set on the integration: they hold for every connection. */
  fixedConnectionConfig?: Record<string, string>;
  proxy?: ProviderTemplate['proxy'];
  refresh?: ProviderTemplate['refresh'];
  /** Machine grants and OAuth 1.0a (see src/tokens/grants/ and src/oauth/oauth1.ts). */
  tokenParams?: Record<string, string>;
  jwtBearer?: ProviderTemplate['jwtBearer'];
  signatureMethod?: ProviderTemplate['signatureMethod'];
  realm?: string;
  selfSignedJwt?: ProviderTemplate['selfSignedJwt'];
  /** private_key_jwt: what the client assertion holds (catalog), and the key's id an admin gave. */
  clientAssertion?: ProviderTemplate['clientAssertion'];
  tokenRequest?: ProviderTemplate['tokenRequest'];
  privateKeyId?: string;
  grantType?: string;
  /** The credential check (src/health/check.ts). */
  verify?: ProviderTemplate['verify'];
  /** Where the connected account's id and display name are (src/health/identity.ts). */
  identity?: ProviderTemplate['identity'];
  /** An admin's declaration of the provider's webhooks, instead of the catalog's (src/webhooks/provider/). */
  providerWebhooks?: ProviderTemplate['providerWebhooks'];
}

export function integrationSettings(integration: Pick<Integration, 'settings'>): IntegrationSettings {
  return (integration.settings ?? {}) as IntegrationSettings;
}

/**
 * The integration's declared connection config fields. An integration stores the declarations its
 * template had when it was created; declarations stored before fields had a kind take the catalog's
 * current rules for the same field (so older integrations get the host rules too).
 */
export function connectionConfigFields(integration: Pick<Integration, 'settings'>): ConnectionConfigField[] {
  const settings = integrationSettings(integration);
  const declared = settings.connectionConfig ?? [];
  const template = settings.template ? providerTemplate(settings.template) : undefined;
  return declared.map((field) => {
    if (field.kind !== undefined || !template) return field;
    const current = template.connectionConfig.find((candidate) => candidate.name === field.name);
    return current ? { ...field, kind: current.kind, hosts: current.hosts, values: current.values, setBy: current.setBy } : field;
  });
}

/**
 * Connection config values an admin fixes on an integration (a self-hosted host, a custom domain):
 * declared names only (when any are declared), each valid for its kind and, for a host, public. An
 * admin's host need not match the provider's patterns.
 */
function checkFixedConnectionConfig(integration: Pick<Integration, 'settings'>, values: Record<string, string>, policy: UrlPolicy): void {
  const declared = connectionConfigFields(integration);
  const problems: FieldError[] = [];
  for (const [key, value] of Object.entries(values)) {
    const field = declared.find((candidate) => candidate.name === key);
    if (declared.length && !field) {
      problems.push({ field: `connectionConfig.${key}`, message: `This integration takes ${declared.map((candidate) => candidate.name).join(', ')}.` });
      continue;
    }
    let problem = connectionValueProblem(field, value, true);
    const hostProblem = !problem && field?.kind === 'host' ? providerUrlProblem(`https://${value}/`, policy) : undefined;
    if (hostProblem) problem = `must be a public host: https://${value}/ ${hostProblem}`;
    if (problem) problems.push({ field: `connectionConfig.${key}`, message: `${key} ${problem}` });
  }
  if (problems.length) throw new ValidationError('The connection config is not valid.', problems);
}

function settingsFromTemplate(template: ProviderTemplate): IntegrationSettings {
  return {
    template: template.key,
    pkce: template.pkce,
    scopeSeparator: template.scopeSeparator,
    tokenRequestFormat: template.tokenRequestFormat,
    tokenResponse: template.tokenResponse,
    refreshTokenUrl: template.refreshTokenUrl,
    metadataFromTokenResponse: template.metadataFromTokenResponse,
    metadataFromCallback: template.metadataFromCallback,
    metadataHosts: template.metadataHosts,
    postConnect: template.postConnect,
    metadataFromUsername: template.metadataFromUsername,
    connectionConfig: template.connectionConfig,
    proxy: template.proxy,
    refresh: template.refresh,
    tokenParams: template.tokenParams,
    jwtBearer: template.jwtBearer,
    signatureMethod: template.signatureMethod,
    realm: template.realm,
    selfSignedJwt: template.selfSignedJwt,
    clientAssertion: template.clientAssertion,
    tokenRequest: template.tokenRequest,
    grantType: template.grantType,
    verify: template.verify,
    identity: template.identity,
  };
}

export const AUTH_TYPES = [
  'OAUTH2',
  'API_KEY',
  'BASIC',
  'OAUTH2_CLIENT_CREDENTIALS',
  'JWT_BEARER',
  'GITHUB_APP',
  'OAUTH1',
  'SELF_SIGNED_JWT',
  'TWO_STEP',
] as const;
const OAUTH1_SIGNATURE_METHODS = ['HMAC-SHA1', 'HMAC-SHA256', 'PLAINTEXT'] as const;
export const TOKEN_ENDPOINT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt'] as const;

/** Authorization request parameters that the connect flow sets itself and must not be overridden. */
const RESERVED_AUTHORIZATION_PARAMS = new Set([
  'client_id',
  'redirect_uri',
  'response_type',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'scope',
  'request',
  'request_uri',
]);

/** Token request parameters the grants set themselves. */
const RESERVED_TOKEN_PARAMS = new Set([
  'grant_type',
  'client_id',
  'client_secret',
  'assertion',
  'client_assertion',
  'client_assertion_type',
  'scope',
  'code',
  'refresh_token',
]);

/** Where provider endpoints may be: public https hosts, unless local providers are allowed (development). */
export interface UrlPolicy {
  allowLocalProviders: boolean;
  /** The built-in sandbox on this server (development only): the one local provider always allowed. */
  isSandboxEndpoint(url: string | URL): boolean;
}

/** An endpoint URL a provider may use: https on a public host, unless local providers are allowed. */
function providerUrl(field: string, policy: UrlPolicy) {
  return z.string().superRefine((value, ctx) => {
    const problem = providerUrlProblem(value, policy);
    if (problem) ctx.addIssue({ code: 'custom', message: `${field} ${problem}` });
  });
}

/** What keeps `value` from being a provider endpoint; undefined when nothing. `allowLocal` overrides the policy's. */
export function providerUrlProblem(value: string, policy: UrlPolicy, allowLocal = policy.allowLocalProviders): string | undefined {
  // A template is checked with its placeholders standing for a host label (or, at the start, a whole
  // https origin from the provider's answer); the filled URL is checked again when it is used.
  const checked = value
    .replace(/\$\{connectionConfig\.[A-Za-z0-9_]+\}/g, 'placeholder')
    .replace(/^\$\{metadata\.[A-Za-z0-9_.]+\}/, 'https://placeholder.example');
  if (/\$\{/.test(checked)) return 'has a placeholder other than ${connectionConfig.name} (or ${metadata.path} at the start).';
  let url: URL;
  try {
    url = new URL(checked);
  } catch {
    return 'must be an absolute URL.';
  }
  if (url.username || url.password) return 'must not contain credentials.';
  if (url.hash) return 'must not contain a fragment.';
  // The built-in sandbox on this server (development only) is the one local provider always allowed.
  if (policy.isSandboxEndpoint(url)) return undefined;
  if (allowLocal) return url.protocol === 'https:' || url.protocol === 'http:' ? undefined : 'must be http(s).';
  if (url.protocol !== 'https:') return 'must use https.';
  if (isLocalHostname(url.hostname)) return 'must be on a public host.';
  return undefined;
}

const optionalText = (max: number) => z.string().trim().min(1).max(max).optional();
const scopeList = z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'Scopes are non-empty and contain no spaces or quotes.')).max(100);

function integrationSchemas(policy: UrlPolicy) {
  const integrationFields = {
    name: optionalText(200),
    authType: z.enum(AUTH_TYPES).optional(),
    clientId: optionalText(500),
    clientSecret: z.string().min(1).max(4000).optional(),
    scopes: scopeList.optional(),
    authorizationUrl: providerUrl('authorizationUrl', policy).optional(),
    tokenUrl: providerUrl('tokenUrl', policy).optional(),
    revocationUrl: providerUrl('revocationUrl', policy).optional(),
    userinfoUrl: providerUrl('userinfoUrl', policy).optional(),
    issuer: providerUrl('issuer', policy).optional(),
    apiBaseUrl: providerUrl('apiBaseUrl', policy).optional(),
    isShared: z.boolean().optional(),
    logoUrl: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .optional(),
    authorizationParams: z
      .record(z.string(), z.string().max(2000))
      .refine((params) => Object.keys(params).every((key) => !RESERVED_AUTHORIZATION_PARAMS.has(key)), {
        message: `authorizationParams must not set ${[...RESERVED_AUTHORIZATION_PARAMS].join(', ')}.`,
      })
      .optional(),
    tokenEndpointAuthMethod: z.enum(TOKEN_ENDPOINT_AUTH_METHODS).optional(),
    ownerCanReadCredentials: z.boolean().optional(),
    /** Connection config values fixed by the admin for every connection (a self-hosted host…). */
    connectionConfig: z.record(z.string().regex(/^[A-Za-z0-9_]+$/), z.string().max(253)).optional(),
    appId: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_.-]{1,100}$/, 'appId is the GitHub App id (or client id).')
      .optional(),
    privateKey: z.string().min(1).max(16_384).optional(),
    privateKeyId: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9._~+/=-]{1,200}$/, "privateKeyId is the key's id (kid) or certificate thumbprint, as the provider shows it.")
      .optional(),
    requestTokenUrl: providerUrl('requestTokenUrl', policy).optional(),
    tokenParams: z
      .record(z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/), z.string().max(2000))
      .refine((params) => Object.keys(params).every((key) => !RESERVED_TOKEN_PARAMS.has(key)), {
        message: `tokenParams must not set ${[...RESERVED_TOKEN_PARAMS].join(', ')}.`,
      })
      .optional(),
    signatureMethod: z.enum(OAUTH1_SIGNATURE_METHODS).optional(),
    /** The secret the provider signs its webhooks with (write-only). */
    providerWebhookSecret: z.string().min(1).max(4000).optional(),
    /** How the provider's webhooks are verified and routed, instead of the catalog's (a custom provider's generic HMAC). */
    providerWebhooks: z.record(z.string(), z.unknown()).pipe(providerWebhooksSchema).optional(),
  };

  const createSchema = z.object({
    slug: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'slug is 1-63 of a-z 0-9 _ - and starts with a letter or digit.'),
    provider: z.string().min(1).max(64),
    /** MCP_OAUTH2 (src/oauth/mcp-authorization.ts fills the rest from it). */
    mcpServerUrl: providerUrl('mcpServerUrl', policy).optional(),
    ...integrationFields,
  });

  const updateSchema = z.object(integrationFields);
  return { createSchema, updateSchema };
}

type IntegrationSchemas = ReturnType<typeof integrationSchemas>;
export type CreateIntegrationInput = z.input<IntegrationSchemas['createSchema']>;
type UpdateFields = z.input<IntegrationSchemas['updateSchema']>;
/** Fields to change; null clears an optional field. */
export type UpdateIntegrationInput = { [K in keyof UpdateFields]?: UpdateFields[K] | null };

/** Turns zod issues into the API's field errors. */
export function validationErrorFrom(error: z.ZodError, message = 'The input is not valid.'): ValidationError {
  const fieldErrors: FieldError[] = error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || 'input',
    message: issue.message,
  }));
  return new ValidationError(message, fieldErrors);
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationErrorFrom(result.error);
  return result.data;
}

/** Rules that span fields, checked on the integration as it will be stored. */
function checkCompleteness(integration: {
  provider: string;
  authType: string;
  clientId: string | null;
  issuer: string | null;
  authorizationUrl: string | null;
  tokenUrl: string | null;
  clientSecretEnc: string | null;
  appId: string | null;
  privateKeyEnc: string | null;
  requestTokenUrl: string | null;
  apiBaseUrl: string | null;
  tokenEndpointAuthMethod?: string | null;
}): void {
  const problems: FieldError[] = [];
  const need = (field: string, present: unknown, message: string) => {
    if (!present) problems.push({ field, message });
  };
  switch (integration.authType) {
    case 'OAUTH2_CLIENT_CREDENTIALS':
      need('clientId', integration.clientId, 'A client credentials integration needs a clientId.');
      if (integration.tokenEndpointAuthMethod === 'private_key_jwt')
        need('privateKey', integration.privateKeyEnc, 'A private_key_jwt integration needs the privateKey that signs its client assertions.');
      else need('clientSecret', integration.clientSecretEnc, 'A client credentials integration needs a clientSecret.');
      need('tokenUrl', integration.tokenUrl || integration.issuer, 'Give a tokenUrl (or an OpenID Connect issuer).');
      break;
    case 'JWT_BEARER':
      need('tokenUrl', integration.tokenUrl, 'A JWT bearer integration needs a tokenUrl.');
      break;
    case 'GITHUB_APP':
      need('appId', integration.appId, 'A GitHub App integration needs the appId.');
      need('privateKey', integration.privateKeyEnc, "A GitHub App integration needs the app's privateKey.");
      need('apiBaseUrl', integration.apiBaseUrl, 'A GitHub App integration needs an apiBaseUrl (https://api.github.com, or your GitHub Enterprise API).');
      break;
    case 'OAUTH1':
      need('clientId', integration.clientId, 'An OAuth 1.0a integration needs the consumer key as clientId.');
      need('clientSecret', integration.clientSecretEnc, 'An OAuth 1.0a integration needs the consumer secret as clientSecret.');
      need('requestTokenUrl', integration.requestTokenUrl, 'An OAuth 1.0a integration needs a requestTokenUrl.');
      need('authorizationUrl', integration.authorizationUrl, 'An OAuth 1.0a integration needs an authorizationUrl.');
      need('tokenUrl', integration.tokenUrl, 'An OAuth 1.0a integration needs a tokenUrl (the access token URL).');
      break;
  }
  if (integration.authType === 'OAUTH2') {
    if (!integration.clientId) problems.push({ field: 'clientId', message: 'An OAuth 2.0 integration needs a clientId.' });
    if (!integration.issuer) {
      if (!integration.authorizationUrl) {
        problems.push({ field: 'authorizationUrl', message: 'Give an issuer (OpenID Connect) or an authorizationUrl and a tokenUrl.' });
      }
      if (!integration.tokenUrl) {
        problems.push({ field: 'tokenUrl', message: 'Give an issuer (OpenID Connect) or an authorizationUrl and a tokenUrl.' });
      }
    }
  }
  if (problems.length) throw new ValidationError('The integration is incomplete.', problems);
}

const secretContext = (integrationId: string, field: 'clientSecret' | 'privateKey' | 'providerWebhookSecret') => ({
  table: 'Integration',
  rowId: integrationId,
  field,
});

/** The secret the provider signs its webhooks with, in clear, for checking them only. */
export function revealProviderWebhookSecret(keyring: Keyring, integration: Pick<Integration, 'id' | 'providerWebhookSecretEnc'>): string | undefined {
  if (!integration.providerWebhookSecretEnc) return undefined;
  return keyring.decrypt(integration.providerWebhookSecretEnc, secretContext(integration.id, 'providerWebhookSecret'));
}

/** The integration's private key (PEM) in clear, for signing assertions only. */
export function revealPrivateKey(keyring: Keyring, integration: Pick<Integration, 'id' | 'privateKeyEnc'>): string | undefined {
  if (!integration.privateKeyEnc) return undefined;
  return keyring.decrypt(integration.privateKeyEnc, secretContext(integration.id, 'privateKey'));
}

/** The client secret in clear, for the token endpoint only. */
export function revealClientSecret(keyring: Keyring, integration: Pick<Integration, 'id' | 'clientSecretEnc'>): string | undefined {
  if (!integration.clientSecretEnc) return undefined;
  return keyring.decrypt(integration.clientSecretEnc, secretContext(integration.id, 'clientSecret'));
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

export interface IntegrationDeps {
  db: Database;
  keyring: Keyring;
  events: DomainEventBus;
  urls: UrlPolicy;
  /** Set while the sandbox provider is on (development only): where it is served. */
  sandbox?: { publicUrl: string };
}

export type Integrations = ReturnType<typeof createIntegrations>;

export function createIntegrations(deps: IntegrationDeps) {
  const schemas = integrationSchemas(deps.urls);

  async function create(input: CreateIntegrationInput, actor: AuditActor = SYSTEM_ACTOR): Promise<Integration> {
    if (input.provider === SANDBOX_PROVIDER) {
      // Development only: the sandbox signs in anyone, so production never offers it.
      if (!deps.sandbox) throw ValidationError.field('provider', 'The sandbox provider is for development only (SANDBOX_ENABLED).');
      const { clientId, clientSecret, ...defaults } = sandboxTemplate(deps.sandbox.publicUrl);
      // The client is the sandbox's own: made up here, and what the sandbox accepts (src/sandbox/).
      input = { ...defaults, ...input, clientId, clientSecret, provider: SANDBOX_PROVIDER };
    }
    const data = parse(schemas.createSchema, input);
    // A built-in provider fills whatever the input leaves out; "custom" needs everything given.
    const template = data.provider === 'custom' || data.provider === SANDBOX_PROVIDER ? undefined : providerTemplate(data.provider);
    if (data.provider !== 'custom' && data.provider !== SANDBOX_PROVIDER && !template) {
      throw ValidationError.field('provider', `Unknown provider "${data.provider}": see the providers query, or use "custom" with explicit endpoints.`);
    }
    const id = newId();
    const row = {
      id,
      slug: data.slug,
      name: data.name ?? template?.name ?? data.slug,
      provider: data.provider,
      authType: data.authType ?? template?.authType ?? 'OAUTH2',
      clientId: data.clientId ?? null,
      clientSecretEnc: data.clientSecret ? deps.keyring.encrypt(data.clientSecret, secretContext(id, 'clientSecret')) : null,
      scopes: data.scopes ?? template?.scopes ?? [],
      authorizationUrl: data.authorizationUrl ?? template?.authorizationUrl ?? null,
      tokenUrl: data.tokenUrl ?? template?.tokenUrl ?? null,
      revocationUrl: data.revocationUrl ?? template?.revocationUrl ?? null,
      userinfoUrl: data.userinfoUrl ?? template?.userinfoUrl ?? null,
      issuer: data.issuer ?? template?.issuer ?? null,
      apiBaseUrl: data.apiBaseUrl ?? template?.apiBaseUrl ?? null,
      isShared: data.isShared ?? false,
      logoUrl: data.logoUrl ?? template?.logoUrl ?? null,
      authorizationParams: data.authorizationParams ?? template?.authorizationParams ?? {},
      tokenEndpointAuthMethod: data.tokenEndpointAuthMethod ?? template?.tokenEndpointAuthMethod ?? null,
      ownerCanReadCredentials: data.ownerCanReadCredentials ?? false,
      appId: data.appId ?? null,
      privateKeyEnc: data.privateKey ? deps.keyring.encrypt(parsePrivateKey(data.privateKey).pem, secretContext(id, 'privateKey')) : null,
      requestTokenUrl: data.requestTokenUrl ?? template?.requestTokenUrl ?? null,
      providerWebhookSecretEnc: data.providerWebhookSecret
        ? deps.keyring.encrypt(data.providerWebhookSecret, secretContext(id, 'providerWebhookSecret'))
        : null,
      mcpServerUrl: data.mcpServerUrl ?? null,
      settings: {
        ...(template ? settingsFromTemplate(template) : {}),
        ...(data.connectionConfig ? { fixedConnectionConfig: data.connectionConfig } : {}),
        ...(data.tokenParams ? { tokenParams: data.tokenParams } : {}),
        ...(data.signatureMethod ? { signatureMethod: data.signatureMethod } : {}),
        ...(data.privateKeyId ? { privateKeyId: data.privateKeyId } : {}),
        ...(data.providerWebhooks ? { providerWebhooks: data.providerWebhooks } : {}),
      } as Prisma.InputJsonObject,
    };
    if (data.connectionConfig) checkFixedConnectionConfig({ settings: row.settings as Prisma.JsonObject }, data.connectionConfig, deps.urls);
    checkCompleteness(row);
    let created: Integration;
    try {
      created = await deps.db.transaction(async (tx) => {
        const created = await tx.integration.create({ data: row });
        await recordAudit(tx, actor, {
          action: 'integration.created',
          target: ['Integration', id],
          changes: diffFields({}, auditedFields(created), SECRET_FIELDS),
        });
        return created;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw ValidationError.field('slug', `An integration with slug "${data.slug}" already exists.`);
      throw error;
    }
    // Caches that remembered the slug as unknown drop it; the routing keys' keeper marks it.
    deps.events.emit('integration.changed', { integrationId: id });
    return created;
  }

  async function update(reference: string, patch: UpdateIntegrationInput, actor: AuditActor = SYSTEM_ACTOR): Promise<Integration> {
    const existing = await find(reference);
    if (!existing) throw new NotFoundError(`No integration "${reference}".`);
    const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== null && value !== undefined));
    const data = parse(schemas.updateSchema, defined);
    const cleared = Object.keys(patch).filter((key) => patch[key as keyof UpdateIntegrationInput] === null);
    for (const key of cleared) {
      if (['name', 'authType', 'scopes', 'isShared', 'authorizationParams', 'ownerCanReadCredentials'].includes(key)) {
        throw ValidationError.field(key, `${key} cannot be cleared.`);
      }
    }
    if (data.isShared !== undefined && data.isShared !== existing.isShared) {
      const connections = await deps.db.prisma.connection.count({ where: { integrationId: existing.id } });
      if (connections > 0) throw ValidationError.field('isShared', 'isShared cannot change while the integration has connections.');
    }
    const {
      clientSecret,
      connectionConfig: fixedConnectionConfig,
      privateKey,
      tokenParams,
      signatureMethod,
      privateKeyId,
      providerWebhookSecret,
      providerWebhooks,
      ...plain
    } = data;
    const changes: Prisma.IntegrationUpdateInput = { ...plain };
    const settings: IntegrationSettings = { ...integrationSettings(existing) };
    for (const key of cleared) {
      if (key === 'clientSecret') changes.clientSecretEnc = null;
      else if (key === 'connectionConfig') delete settings.fixedConnectionConfig;
      else if (key === 'privateKey') changes.privateKeyEnc = null;
      else if (key === 'providerWebhookSecret') changes.providerWebhookSecretEnc = null;
      else if (key === 'tokenParams' || key === 'signatureMethod' || key === 'providerWebhooks' || key === 'privateKeyId') delete settings[key];
      else (changes as Record<string, unknown>)[key] = null;
    }
    if (fixedConnectionConfig) {
      checkFixedConnectionConfig(existing, fixedConnectionConfig, deps.urls);
      settings.fixedConnectionConfig = fixedConnectionConfig;
    }
    if (clientSecret) changes.clientSecretEnc = deps.keyring.encrypt(clientSecret, secretContext(existing.id, 'clientSecret'));
    if (privateKey) changes.privateKeyEnc = deps.keyring.encrypt(parsePrivateKey(privateKey).pem, secretContext(existing.id, 'privateKey'));
    if (providerWebhookSecret)
      changes.providerWebhookSecretEnc = deps.keyring.encrypt(providerWebhookSecret, secretContext(existing.id, 'providerWebhookSecret'));
    if (tokenParams) settings.tokenParams = tokenParams;
    if (signatureMethod) settings.signatureMethod = signatureMethod;
    if (privateKeyId) settings.privateKeyId = privateKeyId;
    if (providerWebhooks) settings.providerWebhooks = providerWebhooks;
    const settingsChanged = ['tokenParams', 'signatureMethod', 'connectionConfig', 'providerWebhooks', 'privateKeyId'].some((key) => cleared.includes(key));
    if (tokenParams || signatureMethod || privateKeyId || fixedConnectionConfig || providerWebhooks || settingsChanged) {
      changes.settings = settings as Prisma.InputJsonObject;
    }
    checkCompleteness({ ...existing, ...(changes as Partial<Integration>) });
    const updated = await deps.db.transaction(async (tx) => {
      const saved = await tx.integration.update({ where: { id: existing.id }, data: changes });
      await recordAudit(tx, actor, {
        action: 'integration.updated',
        target: ['Integration', existing.id],
        changes: diffFields(auditedFields(existing), auditedFields(saved), SECRET_FIELDS),
      });
      return saved;
    });
    deps.events.emit('integration.changed', { integrationId: existing.id });
    return updated;
  }

  async function remove(reference: string, actor: AuditActor = SYSTEM_ACTOR): Promise<Integration> {
    const existing = await find(reference);
    if (!existing) throw new NotFoundError(`No integration "${reference}".`);
    // Connections and pending authorizations go with it (ON DELETE CASCADE).
    await deps.db.transaction(async (tx) => {
      await tx.integration.delete({ where: { id: existing.id } });
      await recordAudit(tx, actor, { action: 'integration.deleted', target: ['Integration', existing.id], changes: { slug: { old: existing.slug } } });
    });
    deps.events.emit('integration.changed', { integrationId: existing.id });
    return existing;
  }

  /** Resolves "Slug or ID": a slug, a global ID, or a raw id. */
  async function find(reference: string): Promise<Integration | null> {
    return deps.db.prisma.integration.findFirst({ where: integrationReferenceWhere(reference) });
  }

  return { create, update, delete: remove, find };
}

/** Sealed secrets are audited by name ("changed"), never by value. */
const SECRET_FIELDS = ['clientSecret', 'privateKey'];

/** What the audit trail records of an integration: its settings, and whether each secret is set (never the secret). */
function auditedFields(integration: Integration): Record<string, unknown> {
  const { clientSecretEnc, privateKeyEnc, createdAt: _createdAt, updatedAt: _updatedAt, id: _id, ...plain } = integration;
  return { ...plain, clientSecret: clientSecretEnc, privateKey: privateKeyEnc };
}

/** The filter that matches an integration by slug, global ID or raw id. */
export function integrationReferenceWhere(reference: string): Prisma.IntegrationWhereInput {
  const id = integrationIdFromGlobalId(reference);
  return id ? { id } : { OR: [{ slug: reference }, { id: reference }] };
}

/** Whether a loaded integration is the one a "Slug or ID" reference names (the in-memory twin of integrationReferenceWhere). */
export function matchesIntegrationReference(integration: Pick<Integration, 'id' | 'slug'>, reference: string): boolean {
  const id = integrationIdFromGlobalId(reference);
  return id ? id === integration.id : reference === integration.slug || reference === integration.id;
}

export function integrationIdFromGlobalId(reference: string): string | undefined {
  try {
    const { typename, id } = decodeGlobalID(reference);
    return typename === 'Integration' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** RFC 8707 token request parameters for an MCP_OAUTH2 integration (none for others). */
export function mcpTokenParameters(integration: { mcpServerUrl: string | null; authorizationParams: unknown }): Record<string, string> | undefined {
  if (!integration.mcpServerUrl) return undefined;
  const resource = (integration.authorizationParams as Record<string, unknown> | null)?.resource;
  return { resource: typeof resource === 'string' ? resource : integration.mcpServerUrl };
}
