// What a connect-session token may select. The token can do nothing but connect: read its session,
// the integrations it offers, its end user's connections to them and their status events, and
// startConnect / createConnection. Any other field (proxying, credentials, managing integrations,
// creating sessions, introspection, fields added later) is refused exactly as a request without
// credentials is: a top-level UNAUTHENTICATED error, HTTP 401, nothing executed.
import type { Plugin } from '@envelop/core';
import { GraphQLError, TypeInfo, getNamedType, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Viewer } from '../domain/viewer.js';

/** The part of a GraphQL context the gate reads. */
interface Context {
  viewer?: Viewer;
}

/** Type name → the fields a session token may select on it ('*' = every field). An allow-list: new fields are refused until listed. */
const ALLOWED_FIELDS: Record<string, readonly string[] | '*'> = {
  Query: ['connectSession', 'integrations', 'integration', 'connections'],
  Mutation: ['startConnect', 'createConnection'],
  Subscription: ['connectionStatusChanged'],
  // Tags are the backend's records (an organization, an email): not for the end user's browser.
  ConnectSession: ['id', 'endUserId', 'integrations', 'connectionName', 'expiresAt', 'purpose', 'reusable'],
  Integration: ['id', 'slug', 'name', 'provider', 'authType', 'scopes', 'isShared', 'logoUrl', 'connection', 'connections'],
  Connection: [
    'id',
    'name',
    'integration',
    'ownerId',
    'isShared',
    'status',
    'statusMessage',
    'scopes',
    'tokenExpiresAt',
    'lastAuthorizedAt',
    'createdAt',
    'updatedAt',
  ],
  IntegrationConnection: '*',
  IntegrationEdge: '*',
  ConnectionConnection: '*',
  ConnectionEdge: '*',
  PageInfo: '*',
  StartConnectPayload: '*',
  CreateConnectionPayload: '*',
  ConnectionStatusEvent: ['connectionId', 'connection', 'integrationSlug', 'status', 'previousStatus', 'reason', 'sequence', 'at'],
  Error: '*',
  NotFoundError: '*',
  ForbiddenError: '*',
  ValidationError: '*',
  FieldError: '*',
  ProviderError: '*',
};

const CONNECT_SESSION_REFUSAL = 'A connect-session token cannot do this: it can only connect.';

/** The first field of the operation a session token may not select, or undefined when all are allowed. */
function forbiddenSessionField(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null): string | undefined {
  const typeInfo = new TypeInfo(schema);
  let forbidden: string | undefined;
  const operations = document.definitions.filter((definition) => definition.kind === 'OperationDefinition');
  const selected = operationName ? operations.filter((operation) => operation.name?.value === operationName) : operations;
  // Fragments are checked whether or not the operation spreads them: simpler, and stricter.
  const checked = [...selected, ...document.definitions.filter((definition) => definition.kind === 'FragmentDefinition')];
  for (const definition of checked) {
    visit(
      definition,
      visitWithTypeInfo(typeInfo, {
        Field(node) {
          if (forbidden) return false;
          const name = node.name.value;
          if (name === '__typename') return undefined;
          const parent = typeInfo.getParentType();
          const parentName = parent ? getNamedType(parent).name : '?';
          const allowed = ALLOWED_FIELDS[parentName];
          if (name.startsWith('__') || !allowed || (allowed !== '*' && !allowed.includes(name))) {
            forbidden = `${parentName}.${name}`;
            return false;
          }
          return undefined;
        },
      }),
    );
    if (forbidden) break;
  }
  return forbidden;
}

function refusal(): GraphQLError {
  return new GraphQLError(CONNECT_SESSION_REFUSAL, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

/** The envelop plugin: checks every execution and subscription made with a connect-session token. */
export function connectSessionGate(): Plugin<Context> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (!(args.contextValue as Context).viewer?.connectSession) return;
      if (forbiddenSessionField(args.schema, args.document, args.operationName)) setResultAndStopExecution({ errors: [refusal()] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      if (!(args.contextValue as Context).viewer?.connectSession) return;
      if (forbiddenSessionField(args.schema, args.document, args.operationName)) setResultAndStopExecution({ errors: [refusal()] });
    },
  };
}
