// The connect flow's GraphQL side: startConnect. The callback is an HTTP route (src/http/callback.ts).
import { builder } from '../builder.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { startConnect, type StartConnectResult } from '../oauth/connect.js';

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
