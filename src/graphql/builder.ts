// The SchemaBuilder: plugins, scalars' types and context. No type definitions live here.
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin, { decodeGlobalID } from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type PrismaTypes from '../generated/pothos-types.js';
import { getDatamodel } from '../generated/pothos-types.js';
import { ForbiddenError } from '../kernel/errors.js';
import type { Context } from './context.js';
import { rootAuthScopes } from './root-field-rules.js';
import { authScopesOf, refusalMessage, type AuthScopes } from './scope-rules.js';

export type { Context };

/** Node types only admins load by node(id): users list their own provider webhooks through providerWebhooks. */
const ADMIN_ONLY_NODE_TYPES = new Set(['WebhookEndpoint', 'WebhookDelivery', 'ApiKey', 'AuditEvent', 'ProviderWebhook']);

/** The type named by node(id:)'s argument: the relay plugin hands it over parsed ({ typename, id }). */
function typenameOf(globalId: unknown): string | undefined {
  if (typeof globalId === 'object' && globalId !== null && 'typename' in globalId) return String(globalId.typename);
  try {
    return decodeGlobalID(String(globalId)).typename;
  } catch {
    return undefined;
  }
}

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: AuthScopes;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
  };
  Connection: { totalCount: number | (() => number | Promise<number>) };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
}>({
  defaultFieldNullability: false,
  // ErrorsPlugin first: it wraps scope-auth, so an authorization failure becomes ForbiddenError data
  // on mutations whose result union includes it.
  plugins: [ErrorsPlugin, ScopeAuthPlugin, PrismaPlugin, RelayPlugin],
  scopeAuth: {
    authScopes: (context) => authScopesOf(context.viewer),
    // A subscription is authorized once, when it starts (its events run with the same viewer).
    authorizeOnSubscribe: true,
    unauthorizedError: (_parent, _context, _info, result) => new ForbiddenError(refusalMessage(result.failure)),
  },
  errors: {
    directResult: true,
    defaultUnionOptions: {
      name: ({ fieldName }) => `${fieldName[0]!.toUpperCase()}${fieldName.slice(1)}Result`,
    },
  },
  prisma: {
    // Each request's app: several apps (tests, one per set of settings) share one schema.
    client: (context) => context.app.db.prisma,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodesQueryOptions: false,
    // node(id:) of a missing id, or of one the viewer may not see, is null (never an internal error):
    // node loaders use findUniqueOrThrow, whose "not found" is Prisma's P2025.
    nodeQueryOptions: {
      authScopes: rootAuthScopes('Query', 'node'),
      resolve: async (_root, args, context, _info, resolveNode) => {
        // An admin-only type would load and then fail its type scope (FORBIDDEN): an existence oracle.
        if (!context.viewer.isAdmin && ADMIN_ONLY_NODE_TYPES.has(typenameOf(args.id) ?? '')) return null;
        try {
          return await resolveNode(args.id);
        } catch (error) {
          if ((error as { code?: unknown })?.code === 'P2025') return null;
          throw error;
        }
      },
    },
    // Lists of edges and their nodes are never null (the public contract promises it).
    edgesFieldOptions: { nullable: { list: false, items: false } },
    nodeFieldOptions: { nullable: false },
  },
});
