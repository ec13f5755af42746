// Integrations: a configured provider. Created and changed by admins (GraphQL or INTEGRATIONS_FILE).
import { decodeGlobalID } from '@pothos/plugin-relay';
import { z } from 'zod';
import { config } from '../config.js';
import { keyring } from '../crypto/keyring.js';
import { prisma } from '../db/client.js';
import { NotFoundError, ValidationError, type FieldError } from '../errors.js';
import { publishIntegrationChange } from '../events.js';
import { providerTemplate, type ProviderTemplate } from '../catalog/index.js';
import { SANDBOX_PROVIDER, sandboxTemplate } from '../catalog/sandbox.js';
import { Prisma, type Integration } from '../generated/prisma/client.js';
import { isLocalHostname } from '../net/addresses.js';
import { isSandboxEndpoint } from '../net/upstream-agent.js';
import { newId } from './ids.js';

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
  postConnect?: ProviderTemplate['postConnect'];
  connectionConfig?: ProviderTemplate['connectionConfig'];
  proxy?: ProviderTemplate['proxy'];
  refresh?: ProviderTemplate['refresh'];
  /** The credential check (src/health/check.ts). */
  verify?: ProviderTemplate['verify'];
}

export function integrationSettings(integration: Pick<Integration, 'settings'>): IntegrationSettings {
  return (integration.settings ?? {}) as IntegrationSettings;
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
    postConnect: template.postConnect,
    connectionConfig: template.connectionConfig,
    proxy: template.proxy,
    refresh: template.refresh,
    verify: template.verify,
  };
}

export const AUTH_TYPES = ['OAUTH2', 'API_KEY', 'BASIC'] as const;
export const TOKEN_ENDPOINT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;

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

/** An endpoint URL a provider may use: https on a public host, unless local providers are allowed. */
export function providerUrl(field: string) {
  return z.string().superRefine((value, ctx) => {
    const problem = providerUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `${field} ${problem}` });
  });
}

export function providerUrlProblem(value: string, allowLocal = config.allowLocalProviders): string | undefined {
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
  if (isSandboxEndpoint(url)) return undefined;
  if (allowLocal) return url.protocol === 'https:' || url.protocol === 'http:' ? undefined : 'must be http(s).';
  if (url.protocol !== 'https:') return 'must use https.';
  if (isLocalHostname(url.hostname)) return 'must be on a public host.';
  return undefined;
}

const optionalText = (max: number) => z.string().trim().min(1).max(max).optional();
const scopeList = z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'Scopes are non-empty and contain no spaces or quotes.')).max(100);

const integrationFields = {
  name: optionalText(200),
  authType: z.enum(AUTH_TYPES).optional(),
  clientId: optionalText(500),
  clientSecret: z.string().min(1).max(4000).optional(),
  scopes: scopeList.optional(),
  authorizationUrl: providerUrl('authorizationUrl').optional(),
  tokenUrl: providerUrl('tokenUrl').optional(),
  revocationUrl: providerUrl('revocationUrl').optional(),
  userinfoUrl: providerUrl('userinfoUrl').optional(),
  issuer: providerUrl('issuer').optional(),
  apiBaseUrl: providerUrl('apiBaseUrl').optional(),
  isShared: z.boolean().optional(),
  logoUrl: z.url({ protocol: /^https?$/ }).max(2000).optional(),
  authorizationParams: z
    .record(z.string(), z.string().max(2000))
    .refine((params) => Object.keys(params).every((key) => !RESERVED_AUTHORIZATION_PARAMS.has(key)), {
      message: `authorizationParams must not set ${[...RESERVED_AUTHORIZATION_PARAMS].join(', ')}.`,
    })
    .optional(),
  tokenEndpointAuthMethod: z.enum(TOKEN_ENDPOINT_AUTH_METHODS).optional(),
  ownerCanReadCredentials: z.boolean().optional(),
};

const createSchema = z.object({
  slug: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'slug is 1-63 of a-z 0-9 _ - and starts with a letter or digit.'),
  provider: z.string().min(1).max(64),
  ...integrationFields,
});

const updateSchema = z.object(integrationFields);

export type CreateIntegrationInput = z.input<typeof createSchema>;
/** Fields to change; null clears an optional field. */
export type UpdateIntegrationInput = { [K in keyof z.input<typeof updateSchema>]?: z.input<typeof updateSchema>[K] | null };

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
}): void {
  const problems: FieldError[] = [];
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

function encryptClientSecret(integrationId: string, secret: string): string {
  return keyring.encrypt(secret, { table: 'Integration', rowId: integrationId, field: 'clientSecret' });
}

/** The client secret in clear, for the token endpoint only. */
export function revealClientSecret(integration: Pick<Integration, 'id' | 'clientSecretEnc'>): string | undefined {
  if (!integration.clientSecretEnc) return undefined;
  return keyring.decrypt(integration.clientSecretEnc, { table: 'Integration', rowId: integration.id, field: 'clientSecret' });
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

export async function createIntegration(input: CreateIntegrationInput): Promise<Integration> {
  if (input.provider === SANDBOX_PROVIDER) {
    // Development only: the sandbox signs in anyone, so production never offers it.
    if (!config.sandbox.enabled) throw ValidationError.field('provider', 'The sandbox provider is for development only (SANDBOX_ENABLED).');
    const { clientId, clientSecret, ...defaults } = sandboxTemplate();
    // The client is the sandbox's own: made up here, and what the sandbox accepts (src/sandbox/).
    input = { ...defaults, ...input, clientId, clientSecret, provider: SANDBOX_PROVIDER };
  }
  const data = parse(createSchema, input);
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
    clientSecretEnc: data.clientSecret ? encryptClientSecret(id, data.clientSecret) : null,
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
    settings: (template ? settingsFromTemplate(template) : {}) as Prisma.InputJsonObject,
  };
  checkCompleteness(row);
  try {
    return await prisma.integration.create({ data: row });
  } catch (error) {
    if (isUniqueViolation(error)) throw ValidationError.field('slug', `An integration with slug "${data.slug}" already exists.`);
    throw error;
  }
}

export async function updateIntegration(reference: string, patch: UpdateIntegrationInput): Promise<Integration> {
  const existing = await findIntegration(reference);
  if (!existing) throw new NotFoundError(`No integration "${reference}".`);
  const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== null && value !== undefined));
  const data = parse(updateSchema, defined);
  const cleared = Object.keys(patch).filter((key) => patch[key as keyof UpdateIntegrationInput] === null);
  for (const key of cleared) {
    if (['name', 'authType', 'scopes', 'isShared', 'authorizationParams', 'ownerCanReadCredentials'].includes(key)) {
      throw ValidationError.field(key, `${key} cannot be cleared.`);
    }
  }
  if (data.isShared !== undefined && data.isShared !== existing.isShared) {
    const connections = await prisma.connection.count({ where: { integrationId: existing.id } });
    if (connections > 0) throw ValidationError.field('isShared', 'isShared cannot change while the integration has connections.');
  }
  const { clientSecret, ...plain } = data;
  const changes: Prisma.IntegrationUpdateInput = { ...plain };
  for (const key of cleared) {
    if (key === 'clientSecret') changes.clientSecretEnc = null;
    else (changes as Record<string, unknown>)[key] = null;
  }
  if (clientSecret) changes.clientSecretEnc = encryptClientSecret(existing.id, clientSecret);
  checkCompleteness({ ...existing, ...(changes as Partial<Integration>) });
  const updated = await prisma.integration.update({ where: { id: existing.id }, data: changes });
  publishIntegrationChange({ integrationId: existing.id });
  return updated;
}

export async function deleteIntegration(reference: string): Promise<Integration> {
  const existing = await findIntegration(reference);
  if (!existing) throw new NotFoundError(`No integration "${reference}".`);
  // Connections and pending authorizations go with it (ON DELETE CASCADE).
  await prisma.integration.delete({ where: { id: existing.id } });
  publishIntegrationChange({ integrationId: existing.id });
  return existing;
}

/** Resolves "Slug or ID": a slug, a global ID, or a raw id. */
export async function findIntegration(reference: string): Promise<Integration | null> {
  return prisma.integration.findFirst({ where: integrationReferenceWhere(reference) });
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

function integrationIdFromGlobalId(reference: string): string | undefined {
  try {
    const { typename, id } = decodeGlobalID(reference);
    return typename === 'Integration' ? id : undefined;
  } catch {
    return undefined;
  }
}
