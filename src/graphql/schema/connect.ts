// The connect flow's GraphQL side: startConnect, and createConnection for credentials obtained
// elsewhere. The callback is an HTTP route (src/http/callback.ts).
import { rootAuthScopes } from '../root-field-rules.js';
import { builder } from '../builder.js';
import type { Connection } from '../../domain/connections.js';
import { ForbiddenError, NotFoundError, ProviderError, QuotaExceededError, ValidationError } from '../../kernel/errors.js';
import type { StartConnectResult } from '../../oauth/connect.js';
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
    authorizeUrl: t.exposeString('authorizeUrl', {
      description:
        "Where to send the user's browser (a navigation or a popup, never a server-side fetch): a link on Switchboard that binds the first browser to open it to this flow, then goes on to the provider. Only that browser can complete the flow.",
    }),
    state: t.exposeString('state'),
    flowId: t.exposeString('flowId', {
      description:
        "Names this flow in the callback's answer (redirectTo's flowId parameter, the popup message's flowId). Keep it with the user's session and accept only outcomes whose flowId you started: a link started by someone else and completed in this browser is then refused.",
    }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

builder.mutationField('startConnect', (t) =>
  t.field({
    authScopes: rootAuthScopes('Mutation', 'startConnect'),
    type: StartConnectPayload,
    // ProviderError: OAuth 1.0a asks the provider for a request token before answering.
    errors: { types: [NotFoundError, ForbiddenError, ValidationError, QuotaExceededError, ProviderError] },
    args: { input: t.arg({ type: StartConnectInput, required: true }) },
    resolve: (_root, { input }, context) => context.app.startConnect(context.viewer, input),
  }),
);

const CreateConnectionInput = builder.inputType('CreateConnectionInput', {
  description:
    'Credentials obtained elsewhere: OAuth tokens (a refresh token alone is checked by refreshing once), an API key, or basic credentials; for client credentials, JWT bearer and GitHub App integrations, what the server needs to obtain tokens itself (a token is obtained before the connection is stored).',
  fields: (t) => ({
    integration: t.string({ required: true }),
    connectionName: t.string({ defaultValue: 'default' }),
    accessToken: t.string(),
    refreshToken: t.string(),
    expiresAt: t.field({ type: 'DateTime' }),
    apiKey: t.string(),
    username: t.string(),
    password: t.string(),
    privateKey: t.string({
      description:
        "JWT_BEARER: the service account's private key (PEM, or Google's JSON key file); SELF_SIGNED_JWT: the signing key (a .p8 PEM, or Ghost's id:secret); write-only.",
    }),
    clientEmail: t.string({ description: 'JWT_BEARER: the identity the assertion is issued by (a service account email).' }),
    subject: t.string({ description: 'JWT_BEARER: the user to act as (domain-wide delegation; a Salesforce username).' }),
    installationId: t.string({ description: 'GITHUB_APP: the installation to mint tokens for (admins only).' }),
    tokenSecret: t.string({ description: 'OAUTH1: the token secret that goes with accessToken.' }),
    keyId: t.string({ description: "SELF_SIGNED_JWT: the key's id (App Store Connect's Key ID), sent as the tokens' kid." }),
    metadata: t.field({ type: 'JSONObject' }),
    tags: t.field({
      type: 'JSONObject',
      description:
        "Up to 10 string pairs for the connection (as Connection.tags); they replace a reconnected connection's. A connect session's token gives none: its connections get the session's tags.",
    }),
    skipVerification: t.boolean({ description: 'Admins only: store the credentials without checking them with the provider.' }),
  }),
});

const CreateConnectionPayload = builder.objectRef<{ connection: Connection }>('CreateConnectionPayload').implement({
  fields: (t) => ({ connection: t.expose('connection', { type: ConnectionRef }) }),
});

builder.mutationField('createConnection', (t) =>
  t.field({
    authScopes: rootAuthScopes('Mutation', 'createConnection'),
    type: CreateConnectionPayload,
    errors: { types: [NotFoundError, ForbiddenError, ValidationError, ProviderError] },
    args: { input: t.arg({ type: CreateConnectionInput, required: true }) },
    resolve: async (_root, { input }, context) => ({ connection: await context.app.createConnection(context.viewer, input) }),
  }),
);
