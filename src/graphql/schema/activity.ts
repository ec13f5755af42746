// The activity log and credential checks: Operation, Query.operations, Connection.operations,
// lastUsedAt, lastVerifiedAt, and the verifyConnection mutation. Users see the operations done for
// them (their own connections', and their own calls on shared ones); admins see all.
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import DataLoader from 'dataloader';
import type { Viewer } from '../../domain/viewer.js';
import { rootAuthScopes } from '../root-field-rules.js';
import { builder, type Context } from '../builder.js';
import { visibleConnectionsWhere } from '../../domain/access.js';
import { connectionIdFrom } from '../../domain/connection-lookup.js';
import type { Connection } from '../../domain/connections.js';
import { lowestIdAt } from '../../kernel/ids.js';
import { ForbiddenError, NotFoundError, ProviderError, ReauthorizationRequiredError, ValidationError } from '../../kernel/errors.js';
import type { OperationKind, OperationOutcome, Prisma } from '../../generated/prisma/client.js';
import type { VerifyOutcome } from '../../health/verify.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { ConnectionRef } from './connections.js';

const OperationKindEnum = builder.enumType('OperationKind', {
  values: ['CONNECT', 'REFRESH', 'PROXY', 'VERIFY', 'DISCONNECT', 'WEBHOOK'] as const satisfies readonly OperationKind[],
});

const OperationOutcomeEnum = builder.enumType('OperationOutcome', {
  values: {
    SUCCESS: { description: 'Done, and where a provider answered, with a status below 400.' },
    FAILURE: { description: 'An error of Switchboard or the network, or a provider status of 400 or more.' },
  } as const satisfies Record<OperationOutcome, unknown>,
});

/** Operations a viewer can see: those done for them; an admin sees all. */
function visibleOperationsWhere(viewer: Viewer): Prisma.OperationWhereInput {
  return viewer.isAdmin ? {} : { ownerId: viewer.userId };
}

/** One query per request for the connections of a page of operations (visible ones only). */
const connectionLoaders = new WeakMap<Context, DataLoader<string, Connection | null>>();
function connectionLoader(context: Context): DataLoader<string, Connection | null> {
  let loader = connectionLoaders.get(context);
  if (!loader) {
    loader = new DataLoader(async (ids: readonly string[]) => {
      const rows = await context.app.db.prisma.connection.findMany({ where: { id: { in: [...ids] }, ...visibleConnectionsWhere(context.viewer) } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    });
    connectionLoaders.set(context, loader);
  }
  return loader;
}

const OperationRef = builder.prismaNode('Operation', {
  id: { field: 'id' },
  authScopes: { OPERATIONS_READ: true },
  findUnique: (id, context) => ({ id, ...visibleOperationsWhere(context.viewer) }) as Prisma.OperationWhereUniqueInput,
  fields: (t) => ({
    kind: t.expose('kind', { type: OperationKindEnum }),
    outcome: t.expose('outcome', { type: OperationOutcomeEnum }),
    connection: t.field({
      type: ConnectionRef,
      nullable: true,
      description: 'Null once the connection is gone; connectionId stays.',
      resolve: (operation, _args, context) => (operation.connectionId ? connectionLoader(context).load(operation.connectionId) : null),
    }),
    connectionId: t.id({ nullable: true, resolve: (operation) => (operation.connectionId ? encodeGlobalID('Connection', operation.connectionId) : null) }),
    integrationSlug: t.exposeString('integrationSlug'),
    ownerId: t.exposeString('ownerId', { nullable: true, description: 'The user it was done for, where there is one.' }),
    method: t.exposeString('method', { nullable: true, description: 'For calls to the provider: the HTTP method and the path, without the query string.' }),
    path: t.exposeString('path', { nullable: true }),
    providerStatus: t.exposeInt('providerStatus', { nullable: true, description: "The provider's HTTP status, where there was an answer." }),
    durationMs: t.exposeFloat('durationMs', { nullable: true }),
    error: t.exposeString('error', { nullable: true, description: 'What went wrong, in words; never a secret.' }),
    tool: t.exposeString('tool', { nullable: true, description: "Calls made by an MCP tool (PUBLIC_URL/mcp): the tool's name." }),
    at: t.expose('at', { type: 'DateTime' }),
  }),
});

const OperationConnection = builder.connectionObject({ type: OperationRef, name: 'OperationConnection' }, { name: 'OperationEdge' });

interface OperationFilters {
  integration?: string | null;
  connectionId?: string | number | null;
  kind?: OperationKind | null;
  outcome?: OperationOutcome | null;
  since?: Date | null;
}

/**
 * `ownsConnection`: the connection filtered on is the viewer's own, so every one of its operations was
 * done for them and the owner condition can go (one index range instead of two intersected; the
 * planner misjudges ownerId AND connectionId, which always match together, as one row).
 */
async function operationsWhere(prisma: PrismaClient, args: OperationFilters, viewer: Viewer, ownsConnection?: boolean): Promise<Prisma.OperationWhereInput> {
  const connectionId = args.connectionId !== null && args.connectionId !== undefined ? connectionIdFrom(String(args.connectionId)) : undefined;
  if (connectionId && !viewer.isAdmin && ownsConnection === undefined) {
    ownsConnection = (await prisma.connection.count({ where: { id: connectionId, ownerId: viewer.userId } })) > 0;
  }
  let integrationSlug = args.integration ?? undefined;
  if (integrationSlug) {
    // "Slug or ID", as elsewhere: a global Integration ID is read as the integration's slug.
    let decoded: { typename: string; id: string } | undefined;
    try {
      decoded = decodeGlobalID(integrationSlug);
    } catch {
      decoded = undefined;
    }
    if (decoded?.typename === 'Integration') {
      integrationSlug = (await prisma.integration.findUnique({ where: { id: decoded.id }, select: { slug: true } }))?.slug ?? integrationSlug;
    }
  }
  return {
    ...(ownsConnection ? {} : visibleOperationsWhere(viewer)),
    ...(integrationSlug ? { integrationSlug } : {}),
    ...(connectionId ? { connectionId } : {}),
    ...(args.kind ? { kind: args.kind } : {}),
    ...(args.outcome ? { outcome: args.outcome } : {}),
    // Ids are UUIDv7 of the time: a range of the index rather than a scan of `at`.
    ...(args.since ? { id: { gte: lowestIdAt(args.since.getTime()) }, at: { gte: args.since } } : {}),
  };
}

builder.queryFields((t) => ({
  operations: t.prismaConnection(
    {
      authScopes: rootAuthScopes('Query', 'operations'),
      type: 'Operation',
      cursor: 'id',
      description: "Newest first: the viewer's own operations, every operation for an admin.",
      args: {
        integration: t.arg.string(),
        connectionId: t.arg.id(),
        kind: t.arg({ type: OperationKindEnum }),
        outcome: t.arg({ type: OperationOutcomeEnum }),
        since: t.arg({ type: 'DateTime' }),
      },
      resolve: async (query, _root, args, context) =>
        context.app.db.prisma.operation.findMany({
          ...query,
          where: await operationsWhere(context.app.db.prisma, args, context.viewer),
          orderBy: { id: 'desc' },
        }),
      totalCount: async (_connection, args, context) =>
        context.app.db.prisma.operation.count({ where: await operationsWhere(context.app.db.prisma, args, context.viewer) }),
    },
    OperationConnection,
  ),
}));

builder.prismaObjectFields('Connection', (t) => ({
  operations: t.prismaConnection(
    {
      type: 'Operation',
      cursor: 'id',
      authScopes: { OPERATIONS_READ: true },
      description: 'Newest first.',
      args: {
        kind: t.arg({ type: OperationKindEnum }),
        outcome: t.arg({ type: OperationOutcomeEnum }),
      },
      resolve: async (query, connection, args, context) =>
        context.app.db.prisma.operation.findMany({
          ...query,
          where: await operationsWhere(
            context.app.db.prisma,
            { ...args, connectionId: connection.id },
            context.viewer,
            connection.ownerId === context.viewer.userId,
          ),
          orderBy: { id: 'desc' },
        }),
      totalCount: async (connection, args, context) =>
        context.app.db.prisma.operation.count({
          where: await operationsWhere(
            context.app.db.prisma,
            { ...args, connectionId: connection.id },
            context.viewer,
            connection.ownerId === context.viewer.userId,
          ),
        }),
    },
    OperationConnection,
  ),
  lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'When a proxied call last used it.' }),
  lastVerifiedAt: t.expose('lastVerifiedAt', {
    type: 'DateTime',
    nullable: true,
    description: 'When its credentials were last checked with the provider, and whether they were accepted.',
  }),
}));

const VerifyConnectionInput = builder.inputType('VerifyConnectionInput', {
  fields: (t) => ({ connectionId: t.id({ required: true }) }),
});

const VerifyConnectionPayload = builder.objectRef<VerifyOutcome>('VerifyConnectionPayload').implement({
  fields: (t) => ({
    connection: t.field({ type: ConnectionRef, resolve: (outcome) => outcome.connection }),
    ok: t.exposeBoolean('ok', { description: 'Whether the provider accepted the credentials.' }),
    providerStatus: t.exposeInt('providerStatus', { nullable: true }),
  }),
});

builder.mutationField('verifyConnection', (t) =>
  t.field({
    authScopes: rootAuthScopes('Mutation', 'verifyConnection'),
    type: VerifyConnectionPayload,
    description:
      'Checks the stored credentials with the provider (refreshing per AUTO first); a refusal that a refresh does not fix marks the connection ERROR.',
    errors: { types: [NotFoundError, ForbiddenError, ValidationError, ProviderError, ReauthorizationRequiredError] },
    args: { input: t.arg({ type: VerifyConnectionInput, required: true }) },
    resolve: (_root, { input }, context) => context.app.verifier.verify(context.viewer, String(input.connectionId)),
  }),
);
