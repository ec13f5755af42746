// The connect flow's GraphQL side: startConnect, and createConnection for credentials obtained
// elsewhere. The callback is an HTTP route (src/http/callback.ts).
import { builder } from '../builder.js';
import type { Connection } from '../domain/connections.js';
import { ForbiddenError, NotFoundError, ProviderError, ValidationError } from '../errors.js';
import { startConnect, type StartConnectResult } from '../oauth/connect.js';
import { createConnection } from '../oauth/create-connection.js';
import { ConnectionRef } from './connections.js';

const StartConnectInput = builder.inputType('StartConnectInput', {
  fields: (t) => ({
    integration: t.string({ required: true, description: 'Slug or ID of the integration.' }),
    connectionName: t.string({ defaultValue: 'default' }),
    scopes: t.stringList({ description: "Extra scopes on top of the integration's own." }),
    redirectTo: t.string({ description: 'Where the callback sends the browser afterwards; must be on an allowed origin.' }),
    connectionConfig: t.field({
      type: 'JSONObject',
      description: 'Values for templated provider URLs, e.g. { subdomain: "acme" }.',
    }),
  }),
});

const StartConnectPayload = builder.objectRef<StartConnectResult>('StartConnectPayload').implement({
  fields: (t) => ({
    authorizeUrl: t.exposeString('authorizeUrl'),
    state: t.exposeString('state'),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

builder.mutationField('startConnect', (t) =>
  t.field({
    type: StartConnectPayload,
    errors: { types: [NotFoundError, ForbiddenError, ValidationError] },
    args: { input: t.arg({ type: StartConnectInput, required: true }) },
    resolve: (_root, { input }, context) => startConnect(context.viewer, input),
  }),
);

const CreateConnectionInput = builder.inputType('CreateConnectionInput', {
  description: 'Credentials obtained elsewhere: OAuth tokens (a refresh token alone is checked by refreshing once), an API key, or basic credentials.',
  fields: (t) => ({
    integration: t.string({ required: true }),
    connectionName: t.string({ defaultValue: 'default' }),
    accessToken: t.string(),
    refreshToken: t.string(),
    expiresAt: t.field({ type: 'DateTime' }),
    apiKey: t.string(),
    username: t.string(),
    password: t.string(),
    metadata: t.field({ type: 'JSONObject' }),
    skipVerification: t.boolean({ description: 'Admins only: store the credentials without checking them with the provider.' }),
  }),
});

const CreateConnectionPayload = builder.objectRef<{ connection: Connection }>('CreateConnectionPayload').implement({
  fields: (t) => ({ connection: t.expose('connection', { type: ConnectionRef }) }),
});

builder.mutationField('createConnection', (t) =>
  t.field({
    type: CreateConnectionPayload,
    errors: { types: [NotFoundError, ForbiddenError, ValidationError, ProviderError] },
    args: { input: t.arg({ type: CreateConnectionInput, required: true }) },
    resolve: async (_root, { input }, context) => ({ connection: await createConnection(context.viewer, input) }),
  }),
);
