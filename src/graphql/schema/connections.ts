// Connections: the type and the read side (queries). Mutations that create or change
// connections live with their features (connect flow, token lifecycle, disconnect).
import { rootAuthScopes } from '../root-field-rules.js';
import { builder } from '../builder.js';
import { canReadCredentials, visibleConnectionsWhere } from '../../domain/access.js';
import type { StoredCredentials } from '../../domain/connections.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../kernel/errors.js';
import type { Connection } from '../../generated/prisma/client.js';
import type { RemoteMcpTool } from '../../mcp/remote.js';
import type { RefreshPolicy } from '../../tokens/refresher.js';
import { integrationReferenceWhere } from '../../domain/integrations.js';
import { Prisma } from '../../generated/prisma/client.js';
import { validTags } from '../../domain/tags.js';
import { requestActor, type Context } from '../context.js';
import { recordAudit } from '../../domain/audit.js';

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

const DisplayNameSourceEnum = builder.enumType('DisplayNameSource', {
  values: {
    PROVIDER: { description: "Read from the provider's answer where the catalog entry's identity says." },
    APP: { description: 'Set by the app with updateConnection.' },
  } as const,
});

export const ConnectionRef = builder.prismaNode('Connection', {
  id: { field: 'id' },
  authScopes: { $any: { CONNECTIONS_READ: true, CONNECTIONS_WRITE: true } },
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
    tags: t.field({
      type: 'JSONObject',
      description:
        "Up to 10 string pairs that tie the connection to the app's own records (e.g. organizationId, userEmail); set on the connect session or by updateConnection, filterable, and sent in webhooks.",
      resolve: (connection) => connection.tags as Record<string, unknown>,
    }),
    displayName: t.exposeString('displayName', {
      nullable: true,
      description: "A name for people to recognise it by (the provider account's email or workspace), where the provider gave one or the app set one.",
    }),
    displayNameSource: t.field({
      type: DisplayNameSourceEnum,
      nullable: true,
      description:
        'Who set displayName: the provider (updated at each connect and credential check) or the app (updateConnection; the provider never overwrites it).',
      resolve: (connection) => (connection.displayNameSource === 'app' ? 'APP' : connection.displayNameSource === 'provider' ? 'PROVIDER' : null),
    }),
    providerAccountId: t.exposeString('providerAccountId', {
      nullable: true,
      description: "The provider's id of the connected account, where the catalog entry says where to find it.",
    }),
    sequence: t.exposeInt('sequence', { description: 'Increases by one on every change of the connection.' }),
    credentials: t.field({
      type: CredentialsType,
      nullable: true,
      authScopes: { CREDENTIALS_READ: true },
      description: 'The secrets themselves. Readable by admins, and by the owner where the integration sets ownerCanReadCredentials; refreshes per policy.',
      args: { refreshPolicy: t.arg({ type: RefreshPolicyEnum, defaultValue: 'AUTO' }) },
      select: { integration: true },
      resolve: async (connection, args, context) => {
        if (!canReadCredentials(context.viewer, connection, connection.integration)) {
          throw new ForbiddenError('Reading credentials is not allowed here (admins, or owners where the integration allows it).');
        }
        const { credentials } = await context.app.refresher.usableCredentialsOf(connection, { policy: args.refreshPolicy ?? 'AUTO' });
        // Recorded before the secrets leave: a read the trail cannot record is not answered.
        await context.app.db.transaction((tx) =>
          recordAudit(tx, requestActor(context), { action: 'connection.credentials_read', target: ['Connection', connection.id] }),
        );
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
      authScopes: rootAuthScopes('Query', 'connections'),
      type: 'Connection',
      cursor: 'id',
      description: "All the viewer's connections across integrations (every connection for an admin).",
      args: {
        integration: t.arg.string(),
        status: t.arg({ type: ConnectionStatusEnum }),
        ownerId: t.arg.string({ description: "Only this owner's connections (an end user's id)." }),
        search: t.arg.string({ description: 'Only connections whose name contains this text (any case).' }),
        tags: t.arg({ type: 'JSONObject', description: 'Only connections that have every one of these tag pairs.' }),
      },
      resolve: async (query, _root, args, context) =>
        context.app.db.prisma.connection.findMany({ ...query, where: await connectionsWhere(args, context), orderBy: { id: 'asc' } }),
      totalCount: async (_connection, args, context) => context.app.db.prisma.connection.count({ where: await connectionsWhere(args, context) }),
    },
    ConnectionConnection,
  ),
}));

/** Per request: the ids of the connections carrying the asked tags (one indexed lookup for the page and its count). */
const taggedIds = new WeakMap<Context, Map<string, Promise<string[]>>>();

/**
 * The ids of the connections that carry every pair of `tags` and the viewer may see: jsonb containment
 * (@>), which the GIN index on tags answers; Prisma's JSON filters cannot express it.
 */
function connectionIdsTagged(tags: Record<string, string>, context: Context): Promise<string[]> {
  const key = JSON.stringify(tags);
  let perRequest = taggedIds.get(context);
  if (!perRequest) taggedIds.set(context, (perRequest = new Map()));
  let ids = perRequest.get(key);
  if (!ids) {
    const { viewer } = context;
    const owners = viewer.isAdmin ? Prisma.sql`TRUE` : Prisma.sql`"ownerKey" IN (${viewer.userId}, '')`;
    const offered = viewer.connectSession?.integrationIds;
    const integrations = offered ? (offered.length ? Prisma.sql`"integrationId" IN (${Prisma.join(offered)})` : Prisma.sql`FALSE`) : Prisma.sql`TRUE`;
    ids = context.app.db.prisma.$queryRaw<
      Array<{ id: string }>
    >`SELECT "id" FROM "Connection" WHERE "tags" @> ${key}::jsonb AND ${owners} AND ${integrations}`.then((rows) => rows.map((row) => row.id));
    perRequest.set(key, ids);
  }
  return ids;
}

async function connectionsWhere(
  args: {
    integration?: string | null;
    status?: Prisma.ConnectionWhereInput['status'] | null;
    tags?: Record<string, unknown> | null;
    ownerId?: string | null;
    search?: string | null;
  },
  context: Context,
): Promise<Prisma.ConnectionWhereInput> {
  const viewer = context.viewer;
  const tags = args.tags && Object.keys(args.tags).length ? validTags(args.tags) : undefined;
  return {
    ...visibleConnectionsWhere(viewer),
    ...(tags ? { id: { in: await connectionIdsTagged(tags, context) } } : {}),
    ...(args.integration ? { integration: integrationReferenceWhere(args.integration) } : {}),
    ...(args.status ? { status: args.status } : {}),
    ...(args.ownerId ? { ownerKey: args.ownerId } : {}),
    ...(args.search ? { name: { contains: args.search, mode: 'insensitive' as const } } : {}),
  };
}

const UpdateConnectionInput = builder.inputType('UpdateConnectionInput', {
  fields: (t) => ({
    connectionId: t.id({ required: true }),
    tags: t.field({ type: 'JSONObject', description: 'Replaces all tags; null leaves them.' }),
    metadata: t.field({ type: 'JSONObject', description: 'Merged into metadata at the top level; a key set to null is removed.' }),
    displayName: t.string(),
  }),
});

const UpdateConnectionPayload = builder.objectRef<{ connection: Connection }>('UpdateConnectionPayload').implement({
  fields: (t) => ({ connection: t.expose('connection', { type: ConnectionRef }) }),
});

builder.mutationField('updateConnection', (t) =>
  t.field({
    authScopes: rootAuthScopes('Mutation', 'updateConnection'),
    type: UpdateConnectionPayload,
    errors: { types: [NotFoundError, ForbiddenError, ValidationError] },
    args: { input: t.arg({ type: UpdateConnectionInput, required: true }) },
    resolve: async (_root, { input }, context) => ({
      connection: await context.app.updateConnection(context.viewer, requestActor(context), {
        connectionId: String(input.connectionId),
        tags: input.tags,
        metadata: input.metadata,
        displayName: input.displayName,
      }),
    }),
  }),
);
