// The token lifecycle's GraphQL side: refreshConnection and disconnect.
import { requestActor } from '../context.js';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { rootAuthScopes } from '../root-field-rules.js';
import { builder } from '../builder.js';
import type { Connection } from '../../domain/connections.js';
import { ForbiddenError, NotFoundError, ProviderError, ReauthorizationRequiredError, ValidationError } from '../../kernel/errors.js';
import type { DisconnectOutcome } from '../../connections/disconnect.js';
import { ConnectionRef } from './connections.js';

const RefreshConnectionInput = builder.inputType('RefreshConnectionInput', {
  fields: (t) => ({ connectionId: t.id({ required: true }) }),
});

const RefreshConnectionPayload = builder.objectRef<{ connection: Connection }>('RefreshConnectionPayload').implement({
  fields: (t) => ({ connection: t.expose('connection', { type: ConnectionRef }) }),
});

const DisconnectInput = builder.inputType('DisconnectInput', {
  fields: (t) => ({
    connectionId: t.id({ description: 'Either connectionId, or integration with an optional connectionName.' }),
    integration: t.string(),
    connectionName: t.string(),
  }),
});

const DisconnectPayload = builder.objectRef<DisconnectOutcome>('DisconnectPayload').implement({
  fields: (t) => ({
    disconnectedConnectionId: t.id({ resolve: (outcome) => encodeGlobalID('Connection', outcome.connectionId) }),
    revoked: t.exposeBoolean('revoked', { description: 'Whether the provider confirmed revocation of the tokens.' }),
  }),
});

builder.mutationFields((t) => ({
  refreshConnection: t.field({
    authScopes: rootAuthScopes('Mutation', 'refreshConnection'),
    type: RefreshConnectionPayload,
    description: 'Refreshes the tokens now (refresh policy FORCE).',
    errors: { types: [NotFoundError, ForbiddenError, ProviderError, ReauthorizationRequiredError] },
    args: { input: t.arg({ type: RefreshConnectionInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const connection = await context.app.lookup.find(context.viewer, { connectionId: String(input.connectionId) });
      return { connection: (await context.app.refresher.usableCredentialsOf(connection, { policy: 'FORCE', explicit: true })).connection };
    },
  }),
  disconnect: t.field({
    authScopes: rootAuthScopes('Mutation', 'disconnect'),
    type: DisconnectPayload,
    description: 'Revokes the tokens at the provider (RFC 7009) and deletes the connection.',
    errors: { types: [NotFoundError, ForbiddenError, ValidationError] },
    args: { input: t.arg({ type: DisconnectInput, required: true }) },
    resolve: (_root, { input }, context) =>
      context.app.disconnect(
        context.viewer,
        {
          connectionId: input.connectionId === null || input.connectionId === undefined ? null : String(input.connectionId),
          integration: input.integration,
          connectionName: input.connectionName,
        },
        requestActor(context),
      ),
  }),
}));
