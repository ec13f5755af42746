// Provider webhooks: the inbound URL on Integration, the log (providerWebhooks) and the
// subscription. Admins see every webhook; users those matched to connections they may see.
import { decodeGlobalID } from '@pothos/plugin-relay';
import { builder } from '../builder.js';
import { rootAuthScopes } from '../root-field-rules.js';
import { visibleConnectionsWhere } from '../../domain/access.js';
import { integrationReferenceWhere } from '../../domain/integrations.js';
import type { Viewer } from '../../domain/viewer.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { NotFoundError } from '../../kernel/errors.js';
import { providerWebhookUrl } from '../../webhooks/provider/declaration.js';
import type { Context } from '../context.js';

builder.prismaObjectFields('Integration', (t) => ({
  providerWebhookUrl: t.string({
    nullable: true,
    description: 'Where the provider must send its webhooks for this integration (register it with the provider); null where the provider sends none.',
    select: { settings: true, slug: true },
    resolve: (integration, _args, context) => providerWebhookUrl(context.app.providerWebhooks.baseUrl, integration) ?? null,
  }),
  hasProviderWebhookSecret: t.boolean({
    description: "Whether a signing secret for the provider's webhooks is set (write-only: providerWebhookSecret on create/update).",
    authScopes: { admin: true },
    select: { providerWebhookSecretEnc: true },
    resolve: (integration) => integration.providerWebhookSecretEnc !== null,
  }),
}));

type Outcome = 'FORWARDED' | 'UNMATCHED' | 'REJECTED' | 'HANDSHAKE' | 'DUPLICATE';

const ProviderWebhookOutcomeEnum = builder.enumType('ProviderWebhookOutcome', {
  values: {
    FORWARDED: { description: 'Signature checked, matched to one or more connections, forwarded.' },
    UNMATCHED: { description: 'Signature checked, no connection matched; forwarded with no connection.' },
    REJECTED: { description: 'Signature missing or wrong, or too old: refused, nothing forwarded.' },
    HANDSHAKE: { description: 'A handshake or challenge the provider sends to check the URL, answered.' },
    DUPLICATE: { description: "Seen before (the provider's event id): not forwarded again." },
  } as const,
});

function connectionIdOf(globalId: string | number): string {
  try {
    const decoded = decodeGlobalID(String(globalId));
    if (decoded.typename === 'Connection') return decoded.id;
  } catch {
    // not a global ID
  }
  throw new NotFoundError('No such connection.');
}

/** The webhooks a viewer may see: all for an admin; else those matched to a connection they may see. */
async function visibleWhere(viewer: Viewer, context: Context): Promise<Prisma.ProviderWebhookWhereInput> {
  if (viewer.isAdmin) return {};
  const visible = await context.app.db.prisma.connection.findMany({ where: visibleConnectionsWhere(viewer), select: { id: true }, take: 10_000 });
  return { connectionIds: { hasSome: visible.map((connection) => connection.id) } };
}

const ProviderWebhookRef = builder.prismaNode('ProviderWebhook', {
  id: { field: 'id' },
  description: 'One webhook a provider sent. The payload is kept for WEBHOOK_LOG_RETENTION_DAYS.',
  fields: (t) => ({
    receivedAt: t.expose('receivedAt', { type: 'DateTime' }),
    integration: t.relation('integration'),
    eventType: t.exposeString('eventType', {
      nullable: true,
      description: "The provider's own event type where it names one (e.g. push, message, customer.updated).",
    }),
    providerEventId: t.exposeString('providerEventId', { nullable: true, description: "The provider's own event id where it gives one." }),
    outcome: t.field({ type: ProviderWebhookOutcomeEnum, resolve: (webhook) => (webhook.outcome ?? 'UNMATCHED') as Outcome }),
    connections: t.prismaField({
      type: ['Connection'],
      description: 'The connections it was matched to.',
      select: { connectionIds: true },
      resolve: (query, webhook, _args, context) =>
        webhook.connectionIds.length
          ? context.app.db.prisma.connection.findMany({
              ...query,
              where: { AND: [{ id: { in: webhook.connectionIds } }, visibleConnectionsWhere(context.viewer)] },
              orderBy: { id: 'asc' },
            })
          : [],
    }),
    payload: t.field({ type: 'JSON', nullable: true, select: { payload: true }, resolve: (webhook) => webhook.payload ?? null }),
  }),
});

const ProviderWebhookConnection = builder.connectionObject({ type: ProviderWebhookRef, name: 'ProviderWebhookConnection' }, { name: 'ProviderWebhookEdge' });

async function listWhere(
  args: { integration?: string | null; connectionId?: string | number | null; outcome?: string | null },
  context: Context,
): Promise<Prisma.ProviderWebhookWhereInput> {
  return {
    AND: [
      await visibleWhere(context.viewer, context),
      args.outcome ? { outcome: args.outcome } : { outcome: { not: null } },
      args.integration ? { integration: integrationReferenceWhere(args.integration) } : {},
      args.connectionId !== null && args.connectionId !== undefined ? { connectionIds: { has: connectionIdOf(args.connectionId) } } : {},
    ],
  };
}

builder.queryFields((t) => ({
  providerWebhooks: t.prismaConnection(
    {
      authScopes: rootAuthScopes('Query', 'providerWebhooks'),
      type: 'ProviderWebhook',
      cursor: 'id',
      description: 'Newest first: admins (or keys with WEBHOOKS_WRITE) see all; users see those matched to their own connections.',
      args: {
        integration: t.arg.string(),
        connectionId: t.arg.id(),
        outcome: t.arg({ type: ProviderWebhookOutcomeEnum }),
      },
      resolve: async (query, _root, args, context) =>
        context.app.db.prisma.providerWebhook.findMany({ ...query, where: await listWhere(args, context), orderBy: { id: 'desc' } }),
      totalCount: async (_connection, args, context) => context.app.db.prisma.providerWebhook.count({ where: await listWhere(args, context) }),
    },
    ProviderWebhookConnection,
  ),
}));

builder.subscriptionField('providerWebhookReceived', (t) =>
  t.prismaField({
    authScopes: rootAuthScopes('Subscription', 'providerWebhookReceived'),
    type: 'ProviderWebhook',
    description: 'Provider webhooks matched to connections the viewer may see, as they arrive.',
    args: { integration: t.arg.string(), connectionId: t.arg.id() },
    subscribe: async (_root, args, context) => {
      let integrationId: string | undefined;
      if (args.integration) {
        const integration = await context.app.integrations.find(args.integration);
        if (!integration) throw new NotFoundError(`No integration "${args.integration}".`);
        integrationId = integration.id;
      }
      const connectionId = args.connectionId === null || args.connectionId === undefined ? undefined : connectionIdOf(args.connectionId);
      return context.app.providerWebhooks.streams.subscribe(context.viewer, { integrationId, connectionId });
    },
    resolve: (query, id: unknown, _args, context) => context.app.db.prisma.providerWebhook.findUniqueOrThrow({ ...query, where: { id: id as string } }),
  }),
);
