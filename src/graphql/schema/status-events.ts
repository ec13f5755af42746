// Real-time connection status: the ConnectionStatusEvent type and the connectionStatusChanged
// subscription (over SSE and graphql-ws; across instances through Redis, see src/events.ts).
import { encodeGlobalID } from '@pothos/plugin-relay';
import { rootAuthScopes } from '../root-field-rules.js';
import { builder } from '../builder.js';
import type { ConnectionStatusEvent } from '../../domain/changes.js';
import { ConnectionRef, ConnectionStatusEnum } from './connections.js';

const ConnectionStatusEventRef = builder.objectRef<ConnectionStatusEvent>('ConnectionStatusEvent').implement({
  description: "A change of a connection's status. Events carry ids, status and tags; `connection` is read when delivered.",
  fields: (t) => ({
    connectionId: t.id({ resolve: (event) => encodeGlobalID('Connection', event.connectionId) }),
    connection: t.field({
      type: ConnectionRef,
      nullable: true,
      description: 'Null once the connection is gone.',
      resolve: (event, _args, context) => context.app.statusStreams.connectionOf(context.viewer, event),
    }),
    integrationSlug: t.exposeString('integrationSlug'),
    status: t.expose('status', { type: ConnectionStatusEnum }),
    previousStatus: t.expose('previousStatus', { type: ConnectionStatusEnum, nullable: true }),
    reason: t.exposeString('reason', { nullable: true }),
    tags: t.field({
      type: 'JSONObject',
      description: "The connection's tags at the change, as webhooks carry them.",
      // An instance of an older version (mid-deploy, through Redis) sends events without tags.
      resolve: (event) => (event.tags as Record<string, string> | undefined) ?? {},
    }),
    sequence: t.exposeInt('sequence'),
    at: t.field({ type: 'DateTime', resolve: (event) => new Date(event.at) }),
  }),
});

builder.subscriptionField('connectionStatusChanged', (t) =>
  t.field({
    authScopes: rootAuthScopes('Subscription', 'connectionStatusChanged'),
    type: ConnectionStatusEventRef,
    description: "Status changes of the viewer's connections (all connections for an admin).",
    args: {
      integration: t.arg.string({ description: 'Slug or ID: only this integration.' }),
      connectionId: t.arg.id({ description: 'Only this connection.' }),
    },
    subscribe: (_root, args, context) =>
      context.app.statusStreams.subscribe(context.viewer, {
        integration: args.integration,
        connectionId: args.connectionId === null || args.connectionId === undefined ? null : String(args.connectionId),
      }),
    resolve: (event) => event,
  }),
);
