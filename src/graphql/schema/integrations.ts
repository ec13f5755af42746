// Integrations: the type, its queries, and the admin mutations.
import { requestActor } from '../context.js';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { rootAuthScopes } from '../root-field-rules.js';
import { builder } from '../builder.js';
import { mayConnectIntegration, visibleConnectionsWhere, visibleIntegrationsWhere } from '../../domain/access.js';
import {
  AUTH_TYPES,
  TOKEN_ENDPOINT_AUTH_METHODS,
  type CreateIntegrationInput,
  type UpdateIntegrationInput,
  type Integration,
} from '../../domain/integrations.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../kernel/errors.js';
import type { McpIntegrationInput } from '../../oauth/mcp-authorization.js';
import { ConnectionConnection, ConnectionRef, ConnectionStatusEnum } from './connections.js';

export const AuthTypeEnum = builder.enumType('AuthType', { values: [...AUTH_TYPES, 'MCP_OAUTH2'] as const });

export const IntegrationRef = builder.prismaNode('Integration', {
  id: { field: 'id' },
  authScopes: { $any: { INTEGRATIONS_WRITE: true, CONNECTIONS_READ: true, CONNECTIONS_WRITE: true } },
  fields: (t) => ({
    slug: t.exposeString('slug'),
    name: t.exposeString('name'),
    provider: t.exposeString('provider', {
      description: 'Key of the built-in provider template it was made from, or "custom".',
    }),
    // An MCP_OAUTH2 integration is stored as the OAuth 2.0 integration it was discovered as.
    authType: t.field({ type: AuthTypeEnum, resolve: (integration) => (integration.mcpServerUrl ? 'MCP_OAUTH2' : integration.authType) }),
    mcpServerUrl: t.exposeString('mcpServerUrl', { nullable: true, description: "MCP_OAUTH2: the MCP server's URL." }),
    scopes: t.exposeStringList('scopes'),
    apiBaseUrl: t.exposeString('apiBaseUrl', { nullable: true }),
    isShared: t.exposeBoolean('isShared', {
      description: 'One connection shared by all users, instead of one per user.',
    }),
    logoUrl: t.exposeString('logoUrl', { nullable: true }),
    authorizationUrl: t.exposeString('authorizationUrl', { nullable: true }),
    tokenUrl: t.exposeString('tokenUrl', { nullable: true }),
    revocationUrl: t.exposeString('revocationUrl', { nullable: true }),
    issuer: t.exposeString('issuer', { nullable: true }),
    authorizationParams: t.field({
      type: 'JSONObject',
      resolve: (integration) => integration.authorizationParams as Record<string, unknown>,
    }),
    ownerCanReadCredentials: t.exposeBoolean('ownerCanReadCredentials', {
      description: "Whether a connection's owner may read its credentials (admins always may).",
    }),
    clientId: t.exposeString('clientId', { nullable: true, authScopes: { $all: { admin: true, INTEGRATIONS_WRITE: true } } }),
    hasClientSecret: t.boolean({
      description: 'Whether a client secret is configured. The secret itself is never readable.',
      authScopes: { $all: { admin: true, INTEGRATIONS_WRITE: true } },
      select: { clientSecretEnc: true },
      resolve: (integration) => integration.clientSecretEnc !== null,
    }),
    connection: t.field({
      type: ConnectionRef,
      nullable: true,
      description: 'The viewer\'s connection named `name` (default "default"), or the shared one.',
      args: { name: t.arg.string() },
      // Loaded with the integration itself (no query per integration in a list). An integration's
      // connections are either all shared or all per-user, so this matches exactly one key.
      select: (args, context, nestedSelection) => ({
        connections: nestedSelection({
          where: { name: args.name ?? 'default', ownerKey: { in: [context.viewer.userId, ''] } },
          take: 1,
        }),
      }),
      resolve: (integration) => integration.connections[0] ?? null,
    }),
    connections: t.relatedConnection(
      'connections',
      {
        cursor: 'id',
        totalCount: true,
        description: "The viewer's connections to this integration (all of them for an admin).",
        args: { status: t.arg({ type: ConnectionStatusEnum }) },
        query: (args, context) => ({
          where: { ...visibleConnectionsWhere(context.viewer), ...(args.status ? { status: args.status } : {}) },
          orderBy: { id: 'asc' },
        }),
      },
      ConnectionConnection,
    ),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const IntegrationConnection = builder.connectionObject({ type: IntegrationRef, name: 'IntegrationConnection' }, { name: 'IntegrationEdge' });

builder.queryFields((t) => ({
  integration: t.prismaField({
    authScopes: rootAuthScopes('Query', 'integration'),
    type: 'Integration',
    nullable: true,
    description: 'Slug or ID.',
    args: { integration: t.arg.string({ required: true }) },
    resolve: async (query, _root, args, context) => {
      const found = await context.app.integrations.find(args.integration);
      return found && mayConnectIntegration(context.viewer, found) ? context.app.db.prisma.integration.findUnique({ ...query, where: { id: found.id } }) : null;
    },
  }),
  integrations: t.prismaConnection(
    {
      authScopes: rootAuthScopes('Query', 'integrations'),
      type: 'Integration',
      cursor: 'id',
      // A connect session lists only the integrations it offers.
      resolve: (query, _root, _args, context) =>
        context.app.db.prisma.integration.findMany({ ...query, where: visibleIntegrationsWhere(context.viewer), orderBy: { id: 'asc' } }),
      totalCount: (_connection, _args, context) => context.app.db.prisma.integration.count({ where: visibleIntegrationsWhere(context.viewer) }),
    },
    IntegrationConnection,
  ),
}));

const TokenEndpointAuthMethodEnum = builder.enumType('TokenEndpointAuthMethod', {
  values: TOKEN_ENDPOINT_AUTH_METHODS,
});

const OAuth1SignatureMethodEnum = builder.enumType('OAuth1SignatureMethod', {
  values: { HMAC_SHA1: { value: 'HMAC-SHA1' }, HMAC_SHA256: { value: 'HMAC-SHA256' }, PLAINTEXT: { value: 'PLAINTEXT' } } as const,
});

type BuilderTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer Types> ? Types : never;

/** The settable fields of an integration, shared by the create and update inputs. */
function integrationInputFields(t: PothosSchemaTypes.InputFieldBuilder<BuilderTypes, 'InputObject'>) {
  return {
    name: t.string(),
    authType: t.field({ type: AuthTypeEnum }),
    clientId: t.string(),
    clientSecret: t.string(),
    scopes: t.stringList(),
    authorizationUrl: t.string(),
    tokenUrl: t.string(),
    revocationUrl: t.string(),
    userinfoUrl: t.string(),
    issuer: t.string({ description: 'OpenID Connect issuer; endpoints come from discovery.' }),
    apiBaseUrl: t.string(),
    isShared: t.boolean(),
    logoUrl: t.string(),
    authorizationParams: t.field({
      type: 'JSONObject',
      description: 'Extra authorization request parameters, e.g. { access_type: "offline" }.',
    }),
    tokenEndpointAuthMethod: t.field({ type: TokenEndpointAuthMethodEnum }),
    ownerCanReadCredentials: t.boolean(),
    connectionConfig: t.field({
      type: 'JSONObject',
      description:
        'Connection config values fixed by the admin for every connection, e.g. { host: "sso.acme.com" } for a self-hosted Keycloak or a custom domain. Users cannot override them; hosts a user may give must match the provider\'s patterns.',
    }),
    appId: t.string({ description: "GITHUB_APP: the app's id (the issuer of its app JWTs)." }),
    privateKey: t.string({
      description:
        "GITHUB_APP: the app's private key (PEM); JWT_BEARER: a key shared by the integration's connections; private_key_jwt: the key that signs client assertions. Write-only like clientSecret.",
    }),
    privateKeyId: t.string({
      description: "private_key_jwt: the key's id as the provider shows it (kid; Microsoft: the certificate's SHA-256 thumbprint, base64url).",
    }),
    requestTokenUrl: t.string({ description: 'OAUTH1: where temporary credentials are requested.' }),
    tokenParams: t.field({
      type: 'JSONObject',
      description: 'OAUTH2_CLIENT_CREDENTIALS, JWT_BEARER: extra token request parameters, e.g. { audience: "https://api.example" }.',
    }),
    signatureMethod: t.field({
      type: OAuth1SignatureMethodEnum,
      description: 'OAUTH1: how requests are signed (default HMAC-SHA1; NetSuite uses HMAC-SHA256).',
    }),
    providerWebhookSecret: t.string({
      description: "The secret the provider signs its webhooks with (Slack's signing secret, a GitHub webhook secret, Stripe's whsec_…). Write-only.",
    }),
    providerWebhooks: t.field({
      type: 'JSONObject',
      description:
        'How the provider\'s webhooks are verified and routed, instead of the catalog\'s: e.g. { verification: { header: "x-signature", prefix: "sha256=" } } for a generic HMAC over the raw body (see docs/provider-webhooks.md).',
    }),
  };
}

const CreateIntegrationInput = builder.inputType('CreateIntegrationInput', {
  fields: (t) => ({
    slug: t.string({ required: true }),
    provider: t.string({ required: true, description: 'Built-in provider template key, or "custom".' }),
    ...integrationInputFields(t),
    mcpServerUrl: t.string({ description: "MCP_OAUTH2: the MCP server's URL (its Streamable HTTP endpoint)." }),
  }),
});

const UpdateIntegrationInput = builder.inputType('UpdateIntegrationInput', {
  description: 'Fields to change; an explicit null clears an optional field (clientSecret, URLs, issuer...).',
  fields: (t) => ({
    integration: t.string({ required: true, description: 'Slug or ID.' }),
    ...integrationInputFields(t),
  }),
});

const DeleteIntegrationInput = builder.inputType('DeleteIntegrationInput', {
  fields: (t) => ({ integration: t.string({ required: true }) }),
});

const CreateIntegrationPayload = builder.objectRef<{ integration: Integration }>('CreateIntegrationPayload').implement({
  fields: (t) => ({ integration: t.expose('integration', { type: IntegrationRef }) }),
});
const UpdateIntegrationPayload = builder.objectRef<{ integration: Integration }>('UpdateIntegrationPayload').implement({
  fields: (t) => ({ integration: t.expose('integration', { type: IntegrationRef }) }),
});
const DeleteIntegrationPayload = builder
  .objectRef<{ deletedIntegrationId: string }>('DeleteIntegrationPayload')
  .implement({ fields: (t) => ({ deletedIntegrationId: t.exposeID('deletedIntegrationId') }) });

builder.mutationFields((t) => ({
  createIntegration: t.field({
    authScopes: rootAuthScopes('Mutation', 'createIntegration'),
    type: CreateIntegrationPayload,
    errors: { types: [ForbiddenError, ValidationError] },
    args: { input: t.arg({ type: CreateIntegrationInput, required: true }) },
    resolve: async (_root, { input }, context) => ({
      // The domain validates every field (zod); the GraphQL types only shape the input.
      integration:
        input.authType === 'MCP_OAUTH2'
          ? await context.app.createMcpIntegration(withoutNulls(input) as McpIntegrationInput, requestActor(context))
          : await context.app.integrations.create(withoutNulls(input) as CreateIntegrationInput, requestActor(context)),
    }),
  }),
  updateIntegration: t.field({
    authScopes: rootAuthScopes('Mutation', 'updateIntegration'),
    type: UpdateIntegrationPayload,
    errors: { types: [NotFoundError, ForbiddenError, ValidationError] },
    args: { input: t.arg({ type: UpdateIntegrationInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const { integration, ...patch } = input;
      return { integration: await context.app.integrations.update(integration, patch as UpdateIntegrationInput, requestActor(context)) };
    },
  }),
  deleteIntegration: t.field({
    authScopes: rootAuthScopes('Mutation', 'deleteIntegration'),
    type: DeleteIntegrationPayload,
    errors: { types: [NotFoundError, ForbiddenError] },
    args: { input: t.arg({ type: DeleteIntegrationInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const deleted = await context.app.integrations.delete(input.integration, requestActor(context));
      return { deletedIntegrationId: encodeGlobalID('Integration', deleted.id) };
    },
  }),
}));

/** GraphQL gives null for omitted optional input fields in some clients; creation treats both alike. */
function withoutNulls<T extends Record<string, unknown>>(input: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null)) as never;
}
