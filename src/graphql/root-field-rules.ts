// Which rule guards each root field (query, mutation, subscription): the one place the scope table
// is written. Fields take their authScopes from here (rootAuthScopes), the scope-table test reads it
// to try every operation with every scope, and a root field missing from it fails that test.
import type { ApiKeyScope } from '../domain/scopes.js';

export interface RootFieldRule {
  /** A key needs one of these scopes; empty: any authenticated viewer. */
  anyOf: readonly ApiKeyScope[];
  /** Also needs an admin viewer (an admin user, or a key acting for no user). */
  admin?: boolean;
}

const any = (...anyOf: ApiKeyScope[]): RootFieldRule => ({ anyOf });
const adminWith = (scope: ApiKeyScope): RootFieldRule => ({ anyOf: [scope], admin: true });
const AUTHENTICATED: RootFieldRule = { anyOf: [] };
const CATALOG_READ = any('INTEGRATIONS_WRITE', 'CONNECTIONS_READ', 'CONNECTIONS_WRITE');

export const ROOT_FIELD_RULES = {
  Query: {
    viewer: AUTHENTICATED,
    node: AUTHENTICATED,
    connectSession: AUTHENTICATED,
    connections: any('CONNECTIONS_READ'),
    integration: CATALOG_READ,
    integrations: CATALOG_READ,
    provider: CATALOG_READ,
    providers: CATALOG_READ,
    operations: any('OPERATIONS_READ'),
    webhookEndpoints: adminWith('WEBHOOKS_WRITE'),
    apiKeys: adminWith('ADMIN'),
    auditEvents: adminWith('AUDIT_READ'),
    providerWebhooks: any('CONNECTIONS_READ', 'WEBHOOKS_WRITE'),
  },
  Mutation: {
    startConnect: any('CONNECTIONS_WRITE'),
    createConnection: any('CONNECTIONS_WRITE'),
    updateConnection: any('CONNECTIONS_WRITE'),
    refreshConnection: any('CONNECTIONS_WRITE'),
    verifyConnection: any('CONNECTIONS_WRITE'),
    disconnect: any('CONNECTIONS_WRITE'),
    createConnectSession: any('CONNECTIONS_WRITE'),
    revokeConnectSession: any('CONNECTIONS_WRITE'),
    proxyRequest: any('PROXY'),
    createIntegration: adminWith('INTEGRATIONS_WRITE'),
    updateIntegration: adminWith('INTEGRATIONS_WRITE'),
    deleteIntegration: adminWith('INTEGRATIONS_WRITE'),
    createWebhookEndpoint: adminWith('WEBHOOKS_WRITE'),
    updateWebhookEndpoint: adminWith('WEBHOOKS_WRITE'),
    deleteWebhookEndpoint: adminWith('WEBHOOKS_WRITE'),
    rotateWebhookSecret: adminWith('WEBHOOKS_WRITE'),
    redeliverWebhook: adminWith('WEBHOOKS_WRITE'),
    createApiKey: adminWith('ADMIN'),
    revokeApiKey: adminWith('ADMIN'),
  },
  Subscription: {
    connectionStatusChanged: any('CONNECTIONS_READ'),
    providerWebhookReceived: any('CONNECTIONS_READ', 'WEBHOOKS_WRITE'),
  },
} as const satisfies Record<'Query' | 'Mutation' | 'Subscription', Record<string, RootFieldRule>>;

type RootType = keyof typeof ROOT_FIELD_RULES;

/** A rule as Pothos scope-auth's authScopes. */
function authScopesFor(rule: RootFieldRule) {
  const scopes =
    rule.anyOf.length === 0
      ? { authenticated: true }
      : rule.anyOf.length === 1
        ? { [rule.anyOf[0]!]: true }
        : { $any: Object.fromEntries(rule.anyOf.map((scope) => [scope, true])) };
  return (rule.admin ? { $all: { admin: true, ...scopes } } : scopes) as Record<string, unknown> as { authenticated: true };
}

/** The authScopes of a root field, from ROOT_FIELD_RULES. */
export function rootAuthScopes<Type extends RootType>(type: Type, field: keyof (typeof ROOT_FIELD_RULES)[Type]) {
  return authScopesFor(ROOT_FIELD_RULES[type][field] as RootFieldRule);
}
