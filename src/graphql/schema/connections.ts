// Connections: the type and the read side (queries). Mutations that create or change
// connections live with their features (connect flow, token lifecycle, disconnect).
import { builder } from '../builder.js';
import { canReadCredentials, visibleConnectionsWhere } from '../../domain/access.js';
import type { StoredCredentials } from '../../domain/connections.js';
import type { RemoteMcpTool } from '../../mcp/remote.js';
import { ForbiddenError } from '../../kernel/errors.js';
import type { RefreshPolicy } from '../../tokens/refresher.js';
import { integrationReferenceWhere } from '../../domain/integrations.js';
import type { Prisma } from '../../generated/prisma/client.js';

export const ConnectionStatusEnum = builder.enumType('ConnectionStatus', {
  values: {
    HEALTHY: { description: 'Credentials are present and the last use or refresh succeeded.' },
    EXPIRED: { description: 'The access token is expired and cannot be refreshed right now; a retry may succeed.' },
    ERROR: { description: 'The provider rejected the credentials (e.g. invalid_grant); the user must connect again.' },
    DISCONNECTED: { description: 'Revoked and removed; only ever seen on events.' },
  } as const,
});

export const RefreshPolicyEnum = builder.enumType('RefreshPolicy', {
  values: {
    NONE: { description: 'Never refresh; use what is stored.' },
    AUTO: { description: 'Refresh when expired or about to expire.' },
    FORCE: { description: 'Always refresh first.' },
  } as const satisfies Record<RefreshPolicy, unknown>,
});

const CredentialsType = builder.objectRef<StoredCredentials>('Credentials').implement({
  description: 'The secrets of a connection. Only admins, and owners where the integration allows it, can read them.',
  fields: (t) => ({
    tokenType: t.string({ nullable: true, resolve: (credentials) => credentials.tokenType ?? null }),
    accessToken: t.string({ nullable: true, resolve: (credentials) => credentials.accessToken ?? null }),
    refreshToken: t.string({ nullable: true, resolve: (credentials) => credentials.refreshToken ?? null }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (credentials) => (credentials.expiresAt ? new Date(credentials.expiresAt) : null) }),
    expiresIn: t.int({
      nullable: true,
      description: 'Seconds until the access token expires (0 once expired).',
      resolve: (credentials) => (credentials.expiresAt ? Math.max(0, Math.floor((Date.parse(credentials.expiresAt) - Date.now()) / 1000)) : null),
    }),
    scope: t.string({ nullable: true, resolve: (credentials) => credentials.scope ?? null }),
    apiKey: t.string({ nullable: true, resolve: (credentials) => credentials.apiKey ?? null }),
    username: t.string({ nullable: true, resolve: (credentials) => credentials.username ?? null }),
    password: t.string({ nullable: true, resolve: (credentials) => credentials.password ?? null }),
    tokenSecret: t.string({
      nullable: true,
      description: 'OAUTH1: the token secret that signs requests with accessToken.',
      resolve: (credentials) => credentials.tokenSecret ?? null,
    }),
    raw: t.field({
      type: 'JSONObject',
      nullable: true,
      description: "The provider's token response without the tokens (e.g. Slack's team, Salesforce's instance_url).",
      resolve: (credentials) => credentials.raw ?? null,
    }),
  }),
});

builder.enumType('McpTransport', { values: ['STREAMABLE_HTTP'] as const });

const McpToolRef = builder.objectRef<RemoteMcpTool>('McpTool').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    inputSchema: t.field({ type: 'JSON', description: "The tool's input JSON Schema.", resolve: (tool) => tool.inputSchema }),
  }),
});

export const ConnectionRef = builder.prismaNode('Connection', {
  id: { field: 'id' },
  // Another user's connection is indistinguishable from a missing one.
  findUnique: (id, context) => ({ id, ...visibleConnectionsWhere(context.viewer) }) as Prisma.ConnectionWhereUniqueInput,
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Label unique per integration and owner, e.g. "default", "maria".' }),
    mcpTools: t.field({
      type: [McpToolRef],
      nullable: true,
      description: 'MCP_OAUTH2 connections: the tools the MCP server offers this connection (listed through it, cached briefly).',
      select: { id: true, sequence: true, integration: { select: { id: true, mcpServerUrl: true } } },
      resolve: (connection, _args, context) =>
        connection.integration.mcpServerUrl
          ? context.app.remoteMcp.listTools(context.viewer, connection, {
              integration: connection.integration.id,
              mcpServerUrl: connection.integration.mcpServerUrl,
            })
          : null,
    }),
    integration: t.relation('integration'),
    ownerId: t.exposeString('ownerId', { nullable: true, description: 'The user who owns it; null for a shared connection.' }),
    isShared: t.boolean({ select: { ownerId: true }, resolve: (connection) => connection.ownerId === null }),
    status: t.expose('status', { type: ConnectionStatusEnum }),
    statusMessage: t.exposeString('statusMessage', { nullable: true }),
    scopes: t.exposeStringList('scopes'),
    tokenExpiresAt: t.expose('tokenExpiresAt', { type: 'DateTime', nullable: true }),
    refreshTokenExpiresAt: t.expose('refreshTokenExpiresAt', { type: 'DateTime', nullable: true }),
    lastAuthorizedAt: t.expose('lastAuthorizedAt', { type: 'DateTime', nullable: true }),
    lastRefreshedAt: t.expose('lastRefreshedAt', { type: 'DateTime', nullable: true }),
    apiBaseUrl: t.exposeString('apiBaseUrl', { nullable: true }),
    metadata: t.field({
      type: 'JSONObject',
      description: 'Provider-specific data kept with the connection (tenant, instance URL, ...).',
      resolve: (connection) => connection.metadata as Record<string, unknown>,
    }),
    sequence: t.exposeInt('sequence', { description: 'Increases by one on every change of the connection.' }),
    credentials: t.field({
      type: CredentialsType,
      nullable: true,
      description: 'The secrets themselves. Readable by admins, and by the owner where the integration sets ownerCanReadCredentials; refreshes per policy.',
      args: { refreshPolicy: t.arg({ type: RefreshPolicyEnum, defaultValue: 'AUTO' }) },
      select: { integration: true },
      resolve: async (connection, args, context) => {
        if (!canReadCredentials(context.viewer, connection, connection.integration)) {
          throw new ForbiddenError('Reading credentials is not allowed here (admins, or owners where the integration allows it).');
        }
        const { credentials } = await context.app.refresher.usableCredentialsOf(connection, { policy: args.refreshPolicy ?? 'AUTO' });
        return credentials;
      },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const ConnectionConnection = builder.connectionObject({ type: ConnectionRef, name: 'ConnectionConnection' }, { name: 'ConnectionEdge' });

builder.globalConnectionField('totalCount', (t) =>
  t.int({
    resolve: (parent) => (typeof parent.totalCount === 'function' ? parent.totalCount() : parent.totalCount),
  }),
);

builder.queryFields((t) => ({
  connections: t.prismaConnection(
    {
      type: 'Connection',
      cursor: 'id',
      description: "All the viewer's connections across integrations (every connection for an admin).",
      args: {
        integration: t.arg.string(),
        status: t.arg({ type: ConnectionStatusEnum }),
      },
      resolve: (query, _root, args, context) =>
        context.app.db.prisma.connection.findMany({ ...query, where: connectionsWhere(args, context.viewer), orderBy: { id: 'asc' } }),
      totalCount: (_connection, args, context) => context.app.db.prisma.connection.count({ where: connectionsWhere(args, context.viewer) }),
    },
    ConnectionConnection,
  ),
}));

function connectionsWhere(
  args: { integration?: string | null; status?: Prisma.ConnectionWhereInput['status'] | null },
  viewer: Parameters<typeof visibleConnectionsWhere>[0],
): Prisma.ConnectionWhereInput {
  return {
    ...visibleConnectionsWhere(viewer),
    ...(args.integration ? { integration: integrationReferenceWhere(args.integration) } : {}),
    ...(args.status ? { status: args.status } : {}),
  };
}
