// The scope table: every root operation (query, mutation, subscription) against every API key scope,
// generated from ROOT_FIELD_RULES (the one place the rules are written). A field of the schema with no
// rule, or with no example operation here, fails this file; so does a refusal that does not name the
// missing scope. Subscriptions are tried over SSE and WebSocket; the path proxy needs PROXY.
import { createClient } from 'graphql-ws';
import type { GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { API_KEY_SCOPES, type ApiKeyScope } from '../src/domain/scopes.js';
import { ROOT_FIELD_RULES, type RootFieldRule } from '../src/graphql/root-field-rules.js';
import { schema } from '../src/graphql/schema/index.js';
import { adminHeaders, graphql, startTestServer } from './helpers/server.js';

type RootType = keyof typeof ROOT_FIELD_RULES;
const ROOT_TYPES: RootType[] = ['Query', 'Mutation', 'Subscription'];

const MISSING = 'QXBpS2V5Om1pc3Npbmc='; // a global id of nothing
const UNION = '{ __typename ... on Error { message } }';

/** One operation per root field: arguments that pass the schema, so only the rule (then the domain) decides. */
const EXAMPLES: Record<RootType, Record<string, string>> = {
  Query: {
    viewer: '{ viewer { userId } }',
    node: `{ node(id: "${MISSING}") { __typename } }`,
    connectSession: '{ connectSession { __typename } }',
    connections: '{ connections(first: 1) { totalCount } }',
    integration: '{ integration(integration: "missing") { __typename } }',
    integrations: '{ integrations(first: 1) { totalCount } }',
    provider: '{ provider(key: "github") { __typename } }',
    providers: '{ providers(search: "github") { __typename } }',
    operations: '{ operations(first: 1) { totalCount } }',
    webhookEndpoints: '{ webhookEndpoints(first: 1) { totalCount } }',
    apiKeys: '{ apiKeys(first: 1) { totalCount } }',
    auditEvents: '{ auditEvents(first: 1) { totalCount } }',
    providerWebhooks: '{ providerWebhooks(first: 1) { totalCount } }',
  },
  Mutation: {
    startConnect: `mutation { startConnect(input: { integration: "missing" }) ${UNION} }`,
    createConnection: `mutation { createConnection(input: { integration: "missing" }) ${UNION} }`,
    updateConnection: `mutation { updateConnection(input: { connectionId: "${MISSING}" }) ${UNION} }`,
    refreshConnection: `mutation { refreshConnection(input: { connectionId: "${MISSING}" }) ${UNION} }`,
    verifyConnection: `mutation { verifyConnection(input: { connectionId: "${MISSING}" }) ${UNION} }`,
    disconnect: `mutation { disconnect(input: { connectionId: "${MISSING}" }) ${UNION} }`,
    createConnectSession: `mutation { createConnectSession(input: { integrations: ["missing"] }) ${UNION} }`,
    revokeConnectSession: `mutation { revokeConnectSession(input: { id: "${MISSING}" }) ${UNION} }`,
    proxyRequest: `mutation { proxyRequest(input: { integration: "missing", url: "/x" }) ${UNION} }`,
    createIntegration: `mutation { createIntegration(input: { slug: "Not A Slug", provider: "missing" }) ${UNION} }`,
    updateIntegration: `mutation { updateIntegration(input: { integration: "missing" }) ${UNION} }`,
    deleteIntegration: `mutation { deleteIntegration(input: { integration: "missing" }) ${UNION} }`,
    createWebhookEndpoint: `mutation { createWebhookEndpoint(input: { url: "not a url" }) ${UNION} }`,
    updateWebhookEndpoint: `mutation { updateWebhookEndpoint(input: { id: "${MISSING}" }) ${UNION} }`,
    deleteWebhookEndpoint: `mutation { deleteWebhookEndpoint(input: { id: "${MISSING}" }) ${UNION} }`,
    rotateWebhookSecret: `mutation { rotateWebhookSecret(input: { id: "${MISSING}" }) ${UNION} }`,
    redeliverWebhook: `mutation { redeliverWebhook(input: { deliveryId: "${MISSING}" }) ${UNION} }`,
    createApiKey: `mutation { createApiKey(input: { name: "", scopes: [] }) ${UNION} }`,
    revokeApiKey: `mutation { revokeApiKey(input: { id: "${MISSING}" }) ${UNION} }`,
  },
  Subscription: {
    connectionStatusChanged: 'subscription { connectionStatusChanged { sequence } }',
    providerWebhookReceived: 'subscription { providerWebhookReceived { id } }',
  },
};

const rules = (type: RootType) => ROOT_FIELD_RULES[type] as Record<string, RootFieldRule>;
const rootFields = (type: RootType) => Object.keys((schema.getType(type) as GraphQLObjectType).getFields());

/** Whether a key holding only `scope` (acting for nobody unless asUser) passes the rule. */
function allowed(rule: RootFieldRule, scope: ApiKeyScope, asUser: boolean): boolean {
  if (rule.admin && asUser) return false;
  return rule.anyOf.length === 0 || scope === 'ADMIN' || rule.anyOf.includes(scope);
}

/** The refusal's message if the answer is a refusal for a missing scope or admin (top-level or as ForbiddenError data). */
function refusal(field: string, response: { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }) {
  const topLevel = response.errors?.find((error) => error.extensions?.code === 'FORBIDDEN');
  if (topLevel) return topLevel.message;
  const value = response.data?.[field];
  return value?.__typename === 'ForbiddenError' ? (value.message as string) : undefined;
}

describe('the scope table', () => {
  it('gives every root field of the schema a rule and an example here, and names no field the schema lacks', () => {
    for (const type of ROOT_TYPES) {
      const fields = rootFields(type);
      for (const field of fields) {
        expect(rules(type)[field], `${type}.${field} has no rule in ROOT_FIELD_RULES`).toBeDefined();
        expect(EXAMPLES[type][field], `${type}.${field} has no example operation in the scope table`).toBeDefined();
      }
      expect(Object.keys(rules(type)).filter((field) => !fields.includes(field))).toEqual([]);
    }
  });

  it('has authScopes on every root field, taken from the rule table', () => {
    for (const type of ROOT_TYPES) {
      for (const [name, field] of Object.entries((schema.getType(type) as GraphQLObjectType).getFields())) {
        const options = (field.extensions as { pothosOptions?: { authScopes?: unknown } }).pothosOptions;
        expect(options?.authScopes, `${type}.${name} has no authScopes`).toBeDefined();
      }
    }
  });

  it('allows or refuses every query and mutation for a key with each single scope, naming the missing scope', async () => {
    const server = await startTestServer();
    const keys = new Map<ApiKeyScope, string>();
    for (const scope of API_KEY_SCOPES) {
      const created = await graphql(
        server,
        'mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { ... on CreateApiKeyPayload { secret } } }',
        { input: { name: `only-${scope}`, scopes: [scope] } },
        adminHeaders,
      );
      keys.set(scope, created.data.createApiKey.secret);
    }
    const mismatches: string[] = [];
    for (const type of ['Query', 'Mutation'] as const) {
      for (const [field, rule] of Object.entries(rules(type))) {
        for (const scope of API_KEY_SCOPES) {
          for (const asUser of [false, true]) {
            const headers: Record<string, string> = { 'x-api-key': keys.get(scope)!, ...(asUser ? { 'x-user-id': 'maria' } : {}) };
            const response = await graphql(server, EXAMPLES[type][field]!, {}, headers);
            const message = refusal(field, response);
            const expected = allowed(rule, scope, asUser);
            const cell = `${type}.${field} × ${scope}${asUser ? ' (as a user)' : ''}`;
            if (expected && message) mismatches.push(`${cell}: refused (${message}) but the table allows it`);
            if (!expected && !message) mismatches.push(`${cell}: allowed (${JSON.stringify(response).slice(0, 120)}) but the table refuses it`);
            if (!expected && message && !asUser && !rule.anyOf.some((needed) => message.includes(needed))) {
              mismatches.push(`${cell}: the refusal "${message}" does not name ${rule.anyOf.join(' or ')}`);
            }
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  }, 120_000);

  it('applies the rule of connectionStatusChanged over SSE and over WebSocket', async () => {
    const server = await startTestServer();
    const rule = rules('Subscription').connectionStatusChanged!;
    for (const scope of API_KEY_SCOPES) {
      const created = await graphql(
        server,
        'mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { ... on CreateApiKeyPayload { secret } } }',
        { input: { name: `sub-${scope}`, scopes: [scope] } },
        adminHeaders,
      );
      const secret = created.data.createApiKey.secret as string;
      const expected = allowed(rule, scope, false);
      expect(await sseRefusal(server, secret), `SSE × ${scope}`).toBe(expected ? undefined : 'This needs the CONNECTIONS_READ scope.');
      expect(await webSocketRefusal(server, secret), `WebSocket × ${scope}`).toBe(expected ? undefined : 'This needs the CONNECTIONS_READ scope.');
    }
  }, 60_000);

  it('refuses the path proxy to a key without PROXY (403 naming the scope) and lets a PROXY key through to the proxy', async () => {
    const server = await startTestServer();
    const make = async (scope: ApiKeyScope) =>
      (
        await graphql(
          server,
          'mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { ... on CreateApiKeyPayload { secret } } }',
          { input: { name: `path-${scope}`, scopes: [scope] } },
          adminHeaders,
        )
      ).data.createApiKey.secret as string;
    const refused = await fetch(`${server.url}/api/integrations/missing/request/x`, { headers: { 'x-api-key': await make('CONNECTIONS_READ') } });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: 'FORBIDDEN', message: 'This needs the PROXY scope.' });
    const passed = await fetch(`${server.url}/api/integrations/missing/request/x`, { headers: { 'x-api-key': await make('PROXY') } });
    // Past the scope: the proxy itself answers (no such integration).
    expect(passed.status).toBe(404);
  });

  it('shows the whole schema to introspection, whatever the scopes', async () => {
    const server = await startTestServer();
    const created = await graphql(
      server,
      'mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { ... on CreateApiKeyPayload { secret } } }',
      { input: { name: 'introspect', scopes: ['PROXY'] } },
      adminHeaders,
    );
    const response = await graphql(server, '{ __schema { mutationType { fields { name } } } }', {}, { 'x-api-key': created.data.createApiKey.secret });
    expect(response.data.__schema.mutationType.fields.map((field: { name: string }) => field.name).sort()).toEqual(rootFields('Mutation').sort());
  });
});

/** The FORBIDDEN message of a subscription over SSE, or undefined when it is accepted (then closed). */
async function sseRefusal(server: { url: string }, key: string): Promise<string | undefined> {
  const abort = new AbortController();
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-api-key': key },
    body: JSON.stringify({ query: EXAMPLES.Subscription.connectionStatusChanged! }),
    signal: abort.signal,
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const timer = setTimeout(() => abort.abort(), 300);
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      const data = buffer.split('\n').find((line) => line.startsWith('data: ') && line.includes('"errors"'));
      if (data)
        return (JSON.parse(data.slice(6)) as { errors: Array<{ message: string; extensions?: { code?: string } }> }).errors.find(
          (error) => error.extensions?.code === 'FORBIDDEN',
        )?.message;
    }
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return undefined;
}

/** The FORBIDDEN message of a subscription over graphql-ws, or undefined when it is accepted (then closed). */
async function webSocketRefusal(server: { url: string }, key: string): Promise<string | undefined> {
  const client = createClient({
    url: `${server.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { 'x-api-key': key },
    retryAttempts: 0,
    lazy: false,
  });
  try {
    return await new Promise<string | undefined>((resolve, reject) => {
      const timer = setTimeout(() => resolve(undefined), 300);
      client.subscribe(
        { query: EXAMPLES.Subscription.connectionStatusChanged! },
        {
          next: (result) => {
            const forbidden = result.errors?.find((error) => error.extensions?.code === 'FORBIDDEN');
            if (!forbidden) return;
            clearTimeout(timer);
            resolve(forbidden.message);
          },
          error: (error) => {
            clearTimeout(timer);
            const errors = Array.isArray(error) ? (error as Array<{ message: string; extensions?: { code?: string } }>) : [];
            const forbidden = errors.find((item) => item.extensions?.code === 'FORBIDDEN');
            if (forbidden) resolve(forbidden.message);
            else reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
          },
          complete: () => {},
        },
      );
    });
  } finally {
    await client.dispose();
  }
}
