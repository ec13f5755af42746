// Webhooks (admins only): endpoints with their delivery log, and the mutations that manage them.
// The domain lives in src/webhooks/; signing secrets appear only in create and rotate payloads.
import { requestActor } from '../context.js';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { rootAuthScopes } from '../root-field-rules.js';
import { builder } from '../builder.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../kernel/errors.js';
import type { WebhookDelivery, WebhookEndpoint } from '../../generated/prisma/client.js';
import { WEBHOOK_EVENT_TYPES, eventTypeEnumName, type WebhookEventType } from '../../webhooks/event-types.js';

const EVENT_TYPE_DESCRIPTIONS: Record<WebhookEventType, string> = {
  'connection.created': 'connection.created: a connection was made for the first time (connect flow or createConnection).',
  'connection.reconnected': 'connection.reconnected: an existing connection was authorized again and kept its id.',
  'connection.failed': 'connection.failed: a refresh or check failed and the connection became EXPIRED or ERROR.',
  'connection.recovered': 'connection.recovered: a connection that was EXPIRED or ERROR is HEALTHY again.',
  'connection.deleted': 'connection.deleted: a connection was disconnected and deleted.',
  'provider.webhook': "provider.webhook: a provider's webhook, forwarded with its connection ids, tags and payload.",
};

const WebhookEventTypeEnum = builder.enumType('WebhookEventType', {
  values: Object.fromEntries(
    WEBHOOK_EVENT_TYPES.map((type) => [eventTypeEnumName(type), { value: type, description: EVENT_TYPE_DESCRIPTIONS[type] }]),
  ) as Record<string, { value: WebhookEventType; description: string }>,
});

const WebhookDeliveryStatusEnum = builder.enumType('WebhookDeliveryStatus', {
  values: {
    PENDING: { description: 'Not delivered yet; attempts go on.' },
    SUCCEEDED: { description: 'The endpoint answered 2xx.' },
    FAILED: { description: 'Every attempt failed; only redeliverWebhook sends it again.' },
  } as const,
});

const adminOnly = { $all: { admin: true, WEBHOOKS_WRITE: true } } as const;

const WebhookDeliveryRef = builder.prismaNode('WebhookDelivery', {
  id: { field: 'id' },
  authScopes: adminOnly,
  fields: (t) => ({
    endpoint: t.relation('endpoint'),
    messageId: t.exposeString('messageId', { description: 'The webhook-id header: the same on every attempt of this message.' }),
    eventType: t.field({ type: WebhookEventTypeEnum, resolve: (delivery) => delivery.eventType as WebhookEventType }),
    payload: t.field({
      type: 'JSONObject',
      description: 'The signed body, as sent.',
      select: { body: true },
      resolve: (delivery) => JSON.parse(delivery.body) as Record<string, unknown>,
    }),
    status: t.expose('status', { type: WebhookDeliveryStatusEnum }),
    attempts: t.exposeInt('attempts'),
    responseStatus: t.exposeInt('responseStatus', { nullable: true, description: "The endpoint's HTTP status on the last attempt." }),
    responseExcerpt: t.exposeString('responseExcerpt', {
      nullable: true,
      description: 'The first 256 bytes of the last response body (headers are not kept).',
    }),
    error: t.exposeString('error', { nullable: true, description: 'Why the last attempt failed (timeout, refused, status), never a secret.' }),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', nullable: true }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const WebhookDeliveryConnection = builder.connectionObject({ type: WebhookDeliveryRef, name: 'WebhookDeliveryConnection' }, { name: 'WebhookDeliveryEdge' });

const WebhookEndpointRef = builder.prismaNode('WebhookEndpoint', {
  id: { field: 'id' },
  authScopes: adminOnly,
  fields: (t) => ({
    url: t.exposeString('url'),
    description: t.exposeString('description', { nullable: true }),
    eventTypes: t.field({
      type: [WebhookEventTypeEnum],
      description: 'The event types sent to it; empty means every type.',
      resolve: (endpoint) => endpoint.eventTypes as WebhookEventType[],
    }),
    enabled: t.exposeBoolean('enabled'),
    disabledReason: t.exposeString('disabledReason', {
      nullable: true,
      description: 'Why it was disabled automatically (every attempt failing for WEBHOOK_DISABLE_AFTER_DAYS); null otherwise.',
    }),
    secretRotationEndsAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Until when the secret before the last rotation still signs beside the current one.',
      select: { previousSecretExpiresAt: true },
      resolve: (endpoint) => (endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > new Date() ? endpoint.previousSecretExpiresAt : null),
    }),
    deliveries: t.relatedConnection(
      'deliveries',
      {
        cursor: 'id',
        totalCount: true,
        description: 'Newest first.',
        args: { status: t.arg({ type: WebhookDeliveryStatusEnum }) },
        query: (args) => ({ where: args.status ? { status: args.status } : {}, orderBy: { id: 'desc' } }),
      },
      WebhookDeliveryConnection,
    ),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const WebhookEndpointConnection = builder.connectionObject({ type: WebhookEndpointRef, name: 'WebhookEndpointConnection' }, { name: 'WebhookEndpointEdge' });

builder.queryFields((t) => ({
  webhookEndpoints: t.prismaConnection(
    {
      authScopes: rootAuthScopes('Query', 'webhookEndpoints'),
      type: 'WebhookEndpoint',
      cursor: 'id',
      description: 'Admins only.',
      resolve: (query, _root, _args, context) => context.app.db.prisma.webhookEndpoint.findMany({ ...query, orderBy: { id: 'asc' } }),
      totalCount: (_connection, _args, context) => context.app.db.prisma.webhookEndpoint.count(),
    },
    WebhookEndpointConnection,
  ),
}));

/** The row id behind a global ID of `typename`; anything else is a missing one. */
function rowId(globalId: string | number, typename: string, what: string): string {
  try {
    const decoded = decodeGlobalID(String(globalId));
    if (decoded.typename === typename) return decoded.id;
  } catch {
    // not a global ID
  }
  throw new NotFoundError(`No such ${what}.`);
}

const CreateWebhookEndpointInput = builder.inputType('CreateWebhookEndpointInput', {
  fields: (t) => ({
    url: t.string({ required: true }),
    eventTypes: t.field({ type: [WebhookEventTypeEnum], description: 'Empty or omitted: every event type.' }),
    description: t.string(),
  }),
});

const UpdateWebhookEndpointInput = builder.inputType('UpdateWebhookEndpointInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    url: t.string(),
    eventTypes: t.field({ type: [WebhookEventTypeEnum] }),
    description: t.string(),
    enabled: t.boolean(),
  }),
});

const DeleteWebhookEndpointInput = builder.inputType('DeleteWebhookEndpointInput', { fields: (t) => ({ id: t.id({ required: true }) }) });
const RotateWebhookSecretInput = builder.inputType('RotateWebhookSecretInput', { fields: (t) => ({ id: t.id({ required: true }) }) });
const RedeliverWebhookInput = builder.inputType('RedeliverWebhookInput', { fields: (t) => ({ deliveryId: t.id({ required: true }) }) });

const CreateWebhookEndpointPayload = builder.objectRef<{ endpoint: WebhookEndpoint; secret: string }>('CreateWebhookEndpointPayload').implement({
  fields: (t) => ({
    webhookEndpoint: t.field({ type: WebhookEndpointRef, resolve: (payload) => payload.endpoint }),
    secret: t.exposeString('secret', { description: 'The signing secret (whsec_…). Returned here and by rotateWebhookSecret only.' }),
  }),
});
const UpdateWebhookEndpointPayload = builder.objectRef<{ endpoint: WebhookEndpoint }>('UpdateWebhookEndpointPayload').implement({
  fields: (t) => ({ webhookEndpoint: t.field({ type: WebhookEndpointRef, resolve: (payload) => payload.endpoint }) }),
});
const DeleteWebhookEndpointPayload = builder.objectRef<{ id: string }>('DeleteWebhookEndpointPayload').implement({
  fields: (t) => ({ deletedWebhookEndpointId: t.id({ resolve: (payload) => encodeGlobalID('WebhookEndpoint', payload.id) }) }),
});
const RotateWebhookSecretPayload = builder.objectRef<{ endpoint: WebhookEndpoint; secret: string }>('RotateWebhookSecretPayload').implement({
  fields: (t) => ({
    webhookEndpoint: t.field({ type: WebhookEndpointRef, resolve: (payload) => payload.endpoint }),
    secret: t.exposeString('secret', { description: 'The new secret; the previous one keeps signing beside it for a grace period.' }),
  }),
});
const RedeliverWebhookPayload = builder.objectRef<{ delivery: WebhookDelivery }>('RedeliverWebhookPayload').implement({
  fields: (t) => ({ delivery: t.prismaField({ type: 'WebhookDelivery', resolve: (_query, payload) => payload.delivery }) }),
});

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    authScopes: rootAuthScopes('Mutation', 'createWebhookEndpoint'),
    type: CreateWebhookEndpointPayload,
    errors: { types: [ForbiddenError, ValidationError] },
    args: { input: t.arg({ type: CreateWebhookEndpointInput, required: true }) },
    resolve: (_root, { input }, context) =>
      context.app.webhookEndpoints.create(
        { url: input.url, eventTypes: input.eventTypes ?? [], description: input.description ?? undefined },
        requestActor(context),
      ),
  }),
  updateWebhookEndpoint: t.field({
    authScopes: rootAuthScopes('Mutation', 'updateWebhookEndpoint'),
    type: UpdateWebhookEndpointPayload,
    errors: { types: [NotFoundError, ForbiddenError, ValidationError] },
    args: { input: t.arg({ type: UpdateWebhookEndpointInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const id = rowId(input.id, 'WebhookEndpoint', 'webhook endpoint');
      // Omitted (or null) fields stay as they are; an explicit null clears the description.
      const endpoint = await context.app.webhookEndpoints.update(
        id,
        {
          url: input.url ?? undefined,
          eventTypes: input.eventTypes ?? undefined,
          description: input.description,
          enabled: input.enabled ?? undefined,
        },
        requestActor(context),
      );
      return { endpoint };
    },
  }),
  deleteWebhookEndpoint: t.field({
    authScopes: rootAuthScopes('Mutation', 'deleteWebhookEndpoint'),
    type: DeleteWebhookEndpointPayload,
    errors: { types: [NotFoundError, ForbiddenError] },
    args: { input: t.arg({ type: DeleteWebhookEndpointInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const id = rowId(input.id, 'WebhookEndpoint', 'webhook endpoint');
      await context.app.webhookEndpoints.delete(id, requestActor(context));
      return { id };
    },
  }),
  rotateWebhookSecret: t.field({
    authScopes: rootAuthScopes('Mutation', 'rotateWebhookSecret'),
    type: RotateWebhookSecretPayload,
    errors: { types: [NotFoundError, ForbiddenError] },
    args: { input: t.arg({ type: RotateWebhookSecretInput, required: true }) },
    resolve: (_root, { input }, context) =>
      context.app.webhookEndpoints.rotateSecret(rowId(input.id, 'WebhookEndpoint', 'webhook endpoint'), requestActor(context)),
  }),
  redeliverWebhook: t.field({
    authScopes: rootAuthScopes('Mutation', 'redeliverWebhook'),
    type: RedeliverWebhookPayload,
    errors: { types: [NotFoundError, ForbiddenError] },
    args: { input: t.arg({ type: RedeliverWebhookInput, required: true }) },
    resolve: async (_root, { input }, context) => ({
      delivery: await context.app.webhookEndpoints.redeliver(rowId(input.deliveryId, 'WebhookDelivery', 'webhook delivery')),
    }),
  }),
}));
