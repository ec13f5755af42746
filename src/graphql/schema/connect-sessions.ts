// Connect sessions: createConnectSession (admins for any end user, a user for themselves) and the
// connectSession query for the token in use. What a session token may select is enforced by the
// gate in src/http/connect-session-gate.ts.
import { requestActor } from '../context.js';
import type { ConnectSessionGrant } from '../../connect-sessions/token.js';
import { rootAuthScopes } from '../root-field-rules.js';
import { builder } from '../builder.js';
import type { CreatedConnectSession } from '../../connect-sessions/sessions.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../kernel/errors.js';

const ConnectSessionRef = builder.objectRef<ConnectSessionGrant>('ConnectSession').implement({
  fields: (t) => ({
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
  }),
});

const CreateConnectSessionInput = builder.inputType('CreateConnectSessionInput', {
  fields: (t) => ({
    endUserId: t.string({ description: 'The user the connections will belong to. Admins give any id; a user may only give their own (the default).' }),
    integrations: t.stringList({ description: 'Integrations offered, by slug or ID; every integration when omitted.' }),
    connectionName: t.string({ defaultValue: 'default' }),
    redirectTo: t.string({ description: 'Where the browser goes after connecting; must be on an allowed origin.' }),
    expiresInSeconds: t.int({ description: "Lifetime in seconds, at most the server's maximum (default 30 minutes)." }),
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
    errors: { types: [NotFoundError, ForbiddenError, ValidationError] },
    args: { input: t.arg({ type: CreateConnectSessionInput, required: true }) },
    resolve: (_root, { input }, context) => context.app.createConnectSession(context.viewer, input, requestActor(context)),
  }),
);
