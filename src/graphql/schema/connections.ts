// Connections: the type and the read side (queries). Mutations that create or change
// connections live with their features (connect flow, token lifecycle, disconnect).
import { rootAuthScopes } from '../root-field-rules.js';
import { builder } from '../builder.js';
import { canReadCredentials, SHARED_OWNER_KEY, visibleConnectionsWhere } from '../../domain/access.js';
import type { StoredCredentials } from '../../domain/connections.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../kernel/errors.js';
import type { Connection, ConnectionStatus } from '../../generated/prisma/client.js';
import type { RemoteMcpTool } from '../../mcp/remote.js';
import type { RefreshPolicy } from '../../tokens/refresher.js';
import { integrationIdFromGlobalId, integrationReferenceWhere } from '../../domain/integrations.js';
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
      resolve: (query, _root, args, context) => {
        const tags = askedTags(args);
        if (tags) return taggedConnectionsPage(query, taggedConnectionsWhere(tags, args, context), context);
        return context.app.db.prisma.connection.findMany({ ...query, where: connectionsWhere(args, context), orderBy: { id: 'asc' } });
      },
      totalCount: (_connection, args, context) => {
        const tags = askedTags(args);
        if (tags) return countTaggedConnections(taggedConnectionsWhere(tags, args, context), context);
        return context.app.db.prisma.connection.count({ where: connectionsWhere(args, context) });
      },
    },
    ConnectionConnection,
  ),
}));

type ConnectionsArgs = {
  integration?: string | null;
  status?: Prisma.ConnectionWhereInput['status'] | null;
  tags?: Record<string, unknown> | null;
  ownerId?: string | null;
  search?: string | null;
};

/** The tags asked for, checked; undefined when none. */
function askedTags(args: ConnectionsArgs): Record<string, string> | undefined {
  return args.tags && Object.keys(args.tags).length ? validTags(args.tags) : undefined;
}

function connectionsWhere(args: ConnectionsArgs, context: Context): Prisma.ConnectionWhereInput {
  return {
    ...visibleConnectionsWhere(context.viewer),
    ...(args.integration ? { integration: integrationReferenceWhere(args.integration) } : {}),
    ...(args.status ? { status: args.status as ConnectionStatus } : {}),
    ...(args.ownerId ? { ownerKey: args.ownerId } : {}),
    ...(args.search ? { name: { contains: args.search, mode: 'insensitive' as const } } : {}),
  };
}

/**
 * connections(tags:) as SQL: jsonb containment (@>), which the GIN index on tags answers and Prisma's
 * JSON filters cannot express, with every other filter, the viewer's visibility, and the page (the
 * cursor and take/skip Pothos gives Prisma), so a tag shared by many connections never loads them all.
 */
function taggedConnectionsWhere(tags: Record<string, string>, args: ConnectionsArgs, context: Context): Prisma.Sql {
  const { viewer } = context;
  const conditions = [Prisma.sql`c."tags" @> ${JSON.stringify(tags)}::jsonb`];
  if (!viewer.isAdmin) conditions.push(Prisma.sql`c."ownerKey" IN (${viewer.userId}, ${SHARED_OWNER_KEY})`);
  const offered = viewer.connectSession?.integrationIds;
  if (offered) conditions.push(offered.length ? Prisma.sql`c."integrationId" IN (${Prisma.join(offered)})` : Prisma.sql`FALSE`);
  if (args.integration) {
    const id = integrationIdFromGlobalId(args.integration);
    conditions.push(
      id
        ? Prisma.sql`c."integrationId" = ${id}`
        : Prisma.sql`c."integrationId" IN (SELECT i."id" FROM "Integration" i WHERE i."slug" = ${args.integration} OR i."id" = ${args.integration})`,
    );
  }
  if (args.status) conditions.push(Prisma.sql`c."status" = ${String(args.status)}::"ConnectionStatus"`);
  if (args.ownerId) conditions.push(Prisma.sql`c."ownerKey" = ${args.ownerId}`);
  if (args.search) conditions.push(Prisma.sql`c."name" ILIKE ${`%${args.search.replace(/[\\%_]/g, (character) => `\\${character}`)}%`}`);
  return Prisma.join(conditions, ' AND ');
}

/** One page of tagged connections: the ids in SQL (ordered by id, from the cursor), then the rows Pothos selected. */
async function taggedConnectionsPage(
  query: { take?: number; skip?: number; cursor?: Prisma.ConnectionWhereUniqueInput; include?: Prisma.ConnectionInclude },
  where: Prisma.Sql,
  context: Context,
) {
  const { take = 50, skip = 0, cursor, ...selection } = query;
  const backwards = take < 0;
  const from = cursor?.id ? Prisma.sql` AND c."id" ${Prisma.raw(backwards ? '<=' : '>=')} ${cursor.id}` : Prisma.empty;
  const rows = await context.app.db.prisma.$queryRaw<Array<{ id: string }>>`
    SELECT c."id" FROM "Connection" c WHERE ${where}${from}
    ORDER BY c."id" ${Prisma.raw(backwards ? 'DESC' : 'ASC')} OFFSET ${skip} LIMIT ${Math.abs(take)}`;
  if (!rows.length) return [];
  return context.app.db.prisma.connection.findMany({ ...selection, where: { id: { in: rows.map((row) => row.id) } }, orderBy: { id: 'asc' } });
}

async function countTaggedConnections(where: Prisma.Sql, context: Context): Promise<number> {
  const [row] = await context.app.db.prisma.$queryRaw<Array<{ count: bigint }>>`SELECT count(*) AS "count" FROM "Connection" c WHERE ${where}`;
  return Number(row?.count ?? 0);
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
