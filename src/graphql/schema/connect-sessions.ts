// Connect sessions: createConnectSession (admins for any end user, a user for themselves) and the
// connectSession query for the token in use. What a session token may select is enforced by the
// gate in src/http/connect-session-gate.ts.
import { requestActor } from '../context.js';
import type { ConnectSessionGrant } from '../../connect-sessions/token.js';
import { rootAuthScopes } from '../root-field-rules.js';
import { builder } from '../builder.js';
import type { CreatedConnectSession } from '../../connect-sessions/sessions.js';
import { QuotaExceededError } from '../../kernel/errors.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../kernel/errors.js';

const ConnectSessionPurposeEnum = builder.enumType('ConnectSessionPurpose', {
  values: {
    CONNECT: { description: 'The token can only connect (the hosted connect page, the SDK).' },
    AGENT: {
      description:
        'An agent session: the token also authenticates an AI agent at PUBLIC_URL/mcp, acting as the end user on the offered integrations only, until it expires. It can still not call GraphQL beyond connecting.',
    },
  } as const,
});

const ConnectSessionRef = builder.objectRef<ConnectSessionGrant>('ConnectSession').implement({
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The session, for revokeConnectSession.' }),
    endUserId: t.exposeString('endUserId'),
    integrations: t.prismaField({
      type: ['Integration'],
      description: 'The integrations offered.',
      resolve: (query, session, _args, context) =>
        context.app.db.prisma.integration.findMany({
          ...query,
          where: session.integrationIds === null ? {} : { id: { in: session.integrationIds } },
          orderBy: { id: 'asc' },
        }),
    }),
    connectionName: t.exposeString('connectionName'),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    purpose: t.expose('purpose', { type: ConnectSessionPurposeEnum }),
    reusable: t.exposeBoolean('reusable', { description: 'Whether the session outlives its first successful connect.' }),
    tags: t.field({
      type: 'JSONObject',
      description: "Copied to every connection the session makes (not shown to the session's own token).",
      resolve: (session) => session.tags,
    }),
  }),
});

const CreateConnectSessionInput = builder.inputType('CreateConnectSessionInput', {
  fields: (t) => ({
    endUserId: t.string({ description: 'The user the connections will belong to. Admins give any id; a user may only give their own (the default).' }),
    integrations: t.stringList({ description: 'Integrations offered, by slug or ID; every integration when omitted.' }),
    connectionName: t.string({ defaultValue: 'default' }),
    redirectTo: t.string({ description: 'Where the browser goes after connecting; must be on an allowed origin.' }),
    expiresInSeconds: t.int({ description: "Lifetime in seconds, at most the server's maximum (default 30 minutes)." }),
    purpose: t.field({ type: ConnectSessionPurposeEnum, defaultValue: 'CONNECT', description: 'AGENT makes a token for an AI agent at /mcp.' }),
    reusable: t.boolean({
      description:
        'Keep the session after its first successful connect. By default a CONNECT session ends then (its token sits in a URL, and a live one could replace the connection the user just made); an AGENT session is reusable unless this says false.',
    }),
    tags: t.field({
      type: 'JSONObject',
      description:
        'Up to 10 string pairs (keys 1-64 of a-z A-Z 0-9 _ . -, values up to 255 characters) copied to every connection the session makes, as Connection.tags.',
    }),
  }),
});

const CreateConnectSessionPayload = builder.objectRef<CreatedConnectSession>('CreateConnectSessionPayload').implement({
  fields: (t) => ({
    token: t.exposeString('token', { description: 'A bearer token for the browser; it can only connect, for this end user and these integrations.' }),
    connectUrl: t.exposeString('connectUrl', { description: 'The hosted connect page for this session.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    session: t.expose('session', { type: ConnectSessionRef }),
  }),
});

builder.queryField('connectSession', (t) =>
  t.field({
    authScopes: rootAuthScopes('Query', 'connectSession'),
    type: ConnectSessionRef,
    nullable: true,
    description: 'The session of the connect-session token in use; null for other credentials.',
    resolve: (_root, _args, context) => context.viewer.connectSession ?? null,
  }),
);

builder.mutationField('createConnectSession', (t) =>
  t.field({
    authScopes: rootAuthScopes('Mutation', 'createConnectSession'),
    type: CreateConnectSessionPayload,
    errors: { types: [NotFoundError, ForbiddenError, ValidationError, QuotaExceededError] },
    args: { input: t.arg({ type: CreateConnectSessionInput, required: true }) },
    resolve: (_root, { input }, context) => context.app.createConnectSession(context.viewer, input, requestActor(context)),
  }),
);

const RevokeConnectSessionInput = builder.inputType('RevokeConnectSessionInput', {
  fields: (t) => ({
    id: t.id({ description: "The session's id (createConnectSession's session.id)." }),
    token: t.string({ description: "Or the session's token." }),
  }),
});

const RevokeConnectSessionPayload = builder.objectRef<{ id: string; revokedAt: Date }>('RevokeConnectSessionPayload').implement({
  fields: (t) => ({
    sessionId: t.exposeID('id'),
    revokedAt: t.expose('revokedAt', { type: 'DateTime' }),
  }),
});

builder.mutationField('revokeConnectSession', (t) =>
  t.field({
    authScopes: rootAuthScopes('Mutation', 'revokeConnectSession'),
    type: RevokeConnectSessionPayload,
    description: 'Ends a connect session now: its token stops working and the flows it started cannot complete.',
    errors: { types: [NotFoundError, ForbiddenError, ValidationError] },
    args: { input: t.arg({ type: RevokeConnectSessionInput, required: true }) },
    resolve: (_root, { input }, context) => context.app.revokeConnectSession(context.viewer, input),
  }),
);
