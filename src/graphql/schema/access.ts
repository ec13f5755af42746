// Access for teams: API keys (created, listed, revoked at run time) and the audit trail.
import { decodeGlobalID } from '@pothos/plugin-relay';
import { builder } from '../builder.js';
import { rootAuthScopes } from '../root-field-rules.js';
import { API_KEY_SCOPES, viewerHasScope, type ApiKeyScope } from '../../domain/scopes.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../kernel/errors.js';
import { lowestIdAt } from '../../kernel/ids.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { requestActor } from '../context.js';
import { ViewerRef } from './viewer.js';

const ApiKeyScopeEnum = builder.enumType('ApiKeyScope', {
  values: {
    ADMIN: { description: 'Everything, as the API_KEYS keys of the configuration can.' },
    INTEGRATIONS_WRITE: { description: 'Create, change and delete integrations; read the catalog.' },
    CONNECTIONS_READ: { description: 'Read every connection (never its credentials).' },
    CONNECTIONS_WRITE: { description: 'Create, import, update, refresh, verify and disconnect connections; create connect sessions.' },
    CREDENTIALS_READ: { description: "Read connections' credentials." },
    PROXY: { description: "Call providers' APIs through proxyRequest and the path proxy." },
    OPERATIONS_READ: { description: 'Read the activity log.' },
    WEBHOOKS_WRITE: { description: 'Manage webhook endpoints and read their deliveries.' },
    AUDIT_READ: { description: 'Read the audit trail.' },
  } as const satisfies Record<ApiKeyScope, unknown>,
});

// What the caller may use, so that a client (the console) can hide what it would be refused.
builder.objectField(ViewerRef, 'scopes', (t) =>
  t.field({
    type: [ApiKeyScopeEnum],
    description:
      "The scopes the caller may use: every one without a key from the database or with ADMIN, otherwise its key's; the deployment-wide ones (ADMIN, INTEGRATIONS_WRITE, WEBHOOKS_WRITE, AUDIT_READ) only when isAdmin.",
    resolve: (viewer) => API_KEY_SCOPES.filter((scope) => viewerHasScope(viewer, scope)),
  }),
);

const AuditActorKindEnum = builder.enumType('AuditActorKind', {
  values: {
    USER: { description: 'A user authenticated by a JWT (or a key acting for a user).' },
    API_KEY: { description: 'An API key, named by its name.' },
    CONNECT_SESSION: { description: 'A connect-session token, named by its end user.' },
    SYSTEM: { description: 'Switchboard itself (a job, a start-up file).' },
  } as const,
});

const ApiKeyRef = builder.prismaNode('ApiKey', {
  id: { field: 'id' },
  authScopes: { $all: { admin: true, ADMIN: true } },
  fields: (t) => ({
    name: t.exposeString('name'),
    scopes: t.field({
      type: [ApiKeyScopeEnum],
      resolve: (key) => key.scopes.filter((scope): scope is ApiKeyScope => API_KEY_SCOPES.includes(scope as ApiKeyScope)),
    }),
    prefix: t.exposeString('prefix', { description: 'The first characters of the key, enough to recognise it; never the whole key.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    createdBy: t.exposeString('createdBy', { nullable: true, description: "Who created it (a user id or another key's name)." }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
  }),
});

const AuditEventRef = builder.prismaNode('AuditEvent', {
  id: { field: 'id' },
  authScopes: { $all: { admin: true, AUDIT_READ: true } },
  description:
    "Who did what to which resource: every change to integrations, API keys, webhook endpoints, connections' settings, and every read of credentials.",
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime' }),
    actor: t.exposeString('actor'),
    actorKind: t.field({ type: AuditActorKindEnum, resolve: (event) => event.actorKind as 'USER' | 'API_KEY' | 'CONNECT_SESSION' | 'SYSTEM' }),
    action: t.exposeString('action', {
      description:
        'A dotted name, e.g. integration.created, integration.updated, api_key.revoked, webhook_endpoint.secret_rotated, connection.updated, connection.credentials_read.',
    }),
    targetId: t.exposeID('targetId', { nullable: true, description: 'The global id of what it was done to, where there is one.' }),
    changes: t.field({
      type: 'JSONObject',
      nullable: true,
      description: 'Changed fields by name, with old and new values; secrets appear as changed, never their values.',
      resolve: (event) => (event.changes ?? null) as Record<string, unknown> | null,
    }),
    ipAddress: t.exposeString('ipAddress', { nullable: true, description: "The client's address as the server saw it (after TRUSTED_PROXIES)." }),
  }),
});

const ApiKeyConnection = builder.connectionObject({ type: ApiKeyRef, name: 'ApiKeyConnection' }, { name: 'ApiKeyEdge' });
const AuditEventConnection = builder.connectionObject({ type: AuditEventRef, name: 'AuditEventConnection' }, { name: 'AuditEventEdge' });

function auditEventsWhere(args: { action?: string | null; actor?: string | null; targetId?: string | null; since?: Date | null }): Prisma.AuditEventWhereInput {
  return {
    ...(args.action ? { action: args.action } : {}),
    ...(args.actor ? { actor: args.actor } : {}),
    ...(args.targetId ? { targetId: args.targetId } : {}),
    // Ids are UUIDv7 of the time: a range of the primary key.
    ...(args.since ? { id: { gte: lowestIdAt(args.since.getTime()) }, at: { gte: args.since } } : {}),
  };
}

builder.queryFields((t) => ({
  apiKeys: t.prismaConnection(
    {
      type: 'ApiKey',
      cursor: 'id',
      authScopes: rootAuthScopes('Query', 'apiKeys'),
      description: 'Newest first; admins, or keys with their scope.',
      resolve: (query, _root, _args, context) => context.app.db.prisma.apiKey.findMany({ ...query, orderBy: { id: 'desc' } }),
      totalCount: (_connection, _args, context) => context.app.db.prisma.apiKey.count(),
    },
    ApiKeyConnection,
  ),
  auditEvents: t.prismaConnection(
    {
      type: 'AuditEvent',
      cursor: 'id',
      authScopes: rootAuthScopes('Query', 'auditEvents'),
      description: 'Newest first; admins, or keys with AUDIT_READ.',
      args: { action: t.arg.string(), actor: t.arg.string(), targetId: t.arg.id(), since: t.arg({ type: 'DateTime' }) },
      resolve: (query, _root, args, context) => context.app.db.prisma.auditEvent.findMany({ ...query, where: auditEventsWhere(args), orderBy: { id: 'desc' } }),
      totalCount: (_connection, args, context) => context.app.db.prisma.auditEvent.count({ where: auditEventsWhere(args) }),
    },
    AuditEventConnection,
  ),
}));

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    scopes: t.field({ type: [ApiKeyScopeEnum], required: true }),
    expiresInSeconds: t.int({ description: 'Null: never expires.' }),
  }),
});
const RevokeApiKeyInput = builder.inputType('RevokeApiKeyInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

interface CreatedKey {
  apiKey: Prisma.ApiKeyGetPayload<object>;
  secret: string;
}
const CreateApiKeyPayload = builder.objectRef<CreatedKey>('CreateApiKeyPayload').implement({
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, resolve: (payload) => payload.apiKey }),
    secret: t.exposeString('secret', { description: 'The key itself, shown this once; only its hash is kept.' }),
  }),
});
const RevokeApiKeyPayload = builder.objectRef<{ apiKey: Prisma.ApiKeyGetPayload<object> }>('RevokeApiKeyPayload').implement({
  fields: (t) => ({ apiKey: t.field({ type: ApiKeyRef, resolve: (payload) => payload.apiKey }) }),
});

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreateApiKeyPayload,
    authScopes: rootAuthScopes('Mutation', 'createApiKey'),
    errors: { types: [ValidationError, ForbiddenError] },
    args: { input: t.arg({ type: CreateApiKeyInput, required: true }) },
    resolve: (_root, { input }, context) => {
      const actor = requestActor(context);
      return context.app.apiKeys.create(actor, actor.actor, { name: input.name, scopes: input.scopes, expiresInSeconds: input.expiresInSeconds });
    },
  }),
  revokeApiKey: t.field({
    type: RevokeApiKeyPayload,
    authScopes: rootAuthScopes('Mutation', 'revokeApiKey'),
    errors: { types: [NotFoundError, ForbiddenError] },
    args: { input: t.arg({ type: RevokeApiKeyInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const id = apiKeyIdFrom(String(input.id));
      if (!id) throw new NotFoundError('No such API key.');
      return { apiKey: await context.app.apiKeys.revoke(requestActor(context), id) };
    },
  }),
}));

function apiKeyIdFrom(globalId: string): string | undefined {
  try {
    const decoded = decodeGlobalID(globalId);
    return decoded.typename === 'ApiKey' ? decoded.id : undefined;
  } catch {
    return undefined;
  }
}
